import TCPDoctorOutput

/// The document `--json` prints when a command fails before it could print its own (schema:
/// docs/schema/error.json), so that standard output always holds exactly one JSON document.
enum ErrorJSON {
    /// Writes `{"error": {"code": ..., "message": ..., "exit_status": ...}}` to standard output.
    ///
    /// - Parameters:
    ///   - code: a word for the kind of failure (`ExitStatus.name(of:)`).
    ///   - message: the same sentence standard error shows.
    ///   - status: the exit status the command ends with.
    static func write(code: String, message: String, status: Int32) {
        var json = JSONWriter(OutputBuffer())
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.key("code")
        json.value(code)
        json.key("message")
        json.value(message)
        json.key("exit_status")
        json.value(status)
        json.endObject()
        json.endObject()
        json.finish()
    }
}
