import ArgumentParser

/// Why a command could not do its work: the sentence for the user and the documented exit status.
///
/// Commands throw it instead of printing and exiting, so that the root prints the message once
/// on standard error and, with `--json`, an error document on standard output: a consumer of
/// `--json` always gets exactly one document (docs/json.md, "Errors").
struct CommandFailure: Error {
    /// The exit status, one of `ExitStatus`.
    var status: ExitCode
    /// A sentence that says what failed and where.
    var message: String
    /// What to do about it, one line each, printed after the message.
    var notes: [String]

    init(_ status: ExitCode, _ message: String, notes: [String] = []) {
        self.status = status
        self.message = message
        self.notes = notes
    }
}
