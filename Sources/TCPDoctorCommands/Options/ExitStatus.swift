import ArgumentParser

/// The documented exit codes (README "Exit codes"); scripts and monitors rely on them.
///
/// 1 belongs to the doctor alone, so that `tcpdoctor doctor || page-someone` pages for findings
/// and never for a lab or a capture that went wrong.
enum ExitStatus {
    /// Success, and for `doctor` nothing at or above `--fail-on`.
    static let success = ExitCode(0)
    /// `doctor` found a problem at or above `--fail-on`.
    static let problemsFound = ExitCode(1)
    /// Bad input data: a capture that is not one, a corrupt block, an unreadable file.
    static let badInput = ExitCode(2)
    /// The system could not be read: neither netlink nor /proc answered, or a namespace is missing.
    static let systemUnreadable = ExitCode(3)
    /// The input was read but holds nothing that matches: `capture --ladder` found no such
    /// connection. Not a usage error: the same command can match in another capture.
    static let nothingMatched = ExitCode(4)
    /// `lab run` could not set up or hold its scenario (a role failed, exited on its own, or the
    /// scenario needs root).
    static let labFailed = ExitCode(5)
    /// The history database cannot be used: corrupt, read-only, from a newer tcpdoctor, on a full
    /// disk, or in a directory that cannot be created.
    static let historyUnusable = ExitCode(6)
    /// Another `tcpdoctor record` is recording into the same database.
    static let historyLocked = ExitCode(7)
    /// `serve` could not listen on its address: in use, not an address of this host, or a port
    /// below 1024 without the right to bind it.
    static let listenFailed = ExitCode(8)
    /// `kill --yes` could not destroy every socket it matched: one was refused (EPERM: no
    /// CAP_NET_ADMIN in its namespace), the kernel does not support SOCK_DESTROY, or a socket
    /// survived. Sockets already gone or replaced by a new one count as gone.
    static let killIncomplete = ExitCode(9)
    /// An action refused, nothing changed; the message says why. `kill`: an empty filter, or
    /// one that matches listening sockets, without `--force` (a dry run says what it would
    /// refuse). `free-fds`: no such process, no right to ptrace it (Yama, CAP_SYS_PTRACE,
    /// another user's), already traced, seccomp without `--force`, or it exited before it could
    /// be stopped.
    static let refused = ExitCode(10)
    /// `kill`'s refusal (`refused`).
    static var killRefused: ExitCode { refused }
    /// `free-fds`' refusal (`refused`).
    static var freeFDsRefused: ExitCode { refused }
    /// `free-fds --yes` stopped the process but did not free every planned fd: an fd changed
    /// since the plan, an injected call failed, a step failed (the process was detached and left
    /// running), or the process exited meanwhile. The report says which, per fd.
    static let freeFDsIncomplete = ExitCode(11)
    /// `doctor --config --write DIR` left a file unwritten: a different file is in the way, or
    /// the write failed (each file's outcome is reported).
    static let configurationNotWritten = ExitCode(12)
    /// A usage error: an unknown option or a malformed filter (argument-parser's `EX_USAGE`).
    static let usage = ExitCode(64)
    /// Interrupted by SIGINT (Ctrl-C): 128 + the signal number, as shells report it.
    static let interrupted = ExitCode(130)

    /// The status for a command stopped by `signal`: 128 + its number, as a shell shows it.
    static func stopped(by signal: Int32) -> ExitCode { ExitCode(128 + signal) }

    /// The word JSON error documents give for `status` (docs/json.md, "Errors").
    ///
    /// The doctor's 1 never gets an error document (its report is the document), so 1 here can
    /// only be argument-parser's status for an error it does not know, and is just `failed`.
    static func name(of status: ExitCode) -> String {
        switch status.rawValue {
        case badInput.rawValue: "bad_input"
        case systemUnreadable.rawValue: "system_unreadable"
        case nothingMatched.rawValue: "nothing_matched"
        case labFailed.rawValue: "lab_failed"
        case historyUnusable.rawValue: "history_unusable"
        case historyLocked.rawValue: "history_locked"
        case listenFailed.rawValue: "listen_failed"
        case refused.rawValue: "refused"
        case freeFDsIncomplete.rawValue: "free_fds_incomplete"
        case configurationNotWritten.rawValue: "configuration_not_written"
        case usage.rawValue: "usage"
        default: "failed"
        }
    }
}
