/// The document `--json` prints when a command fails before it could print its own (schema:
/// docs/schema/error.json), so that standard output always holds exactly one JSON document;
/// `serve` answers with the same document when it has none to give.
public enum ErrorJSON {
    /// Writes `{"error": {"code": ..., "message": ..., "exit_status": ...}}` to standard output.
    ///
    /// - Parameters:
    ///   - code: a word for the kind of failure (`ExitStatus.name(of:)`).
    ///   - message: the same sentence standard error shows.
    ///   - status: the exit status the command ends with.
    public static func write(code: String, message: String, status: Int32) {
        var json = JSONWriter(OutputBuffer())
        write(&json, code: code, message: message, status: Int(status))
        json.finish()
    }

    /// Writes the document to `json`.
    public static func write(_ json: inout JSONWriter, code: String, message: String, status: Int) {
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
    }
}
