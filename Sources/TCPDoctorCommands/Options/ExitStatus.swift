import ArgumentParser

/// The documented exit codes (README "Exit codes"); scripts and monitors rely on them.
enum ExitStatus {
    /// Success, and for `doctor` nothing at or above `--fail-on`.
    static let success = ExitCode(0)
    /// `doctor` found a problem at or above `--fail-on`.
    static let problemsFound = ExitCode(1)
    /// Bad input data: a capture that is not one, a corrupt block, an unreadable file.
    static let badInput = ExitCode(2)
    /// The system could not be read: neither netlink nor /proc answered, or a namespace is missing.
    static let systemUnreadable = ExitCode(3)
    /// A usage error: an unknown option or a malformed filter (argument-parser's `EX_USAGE`).
    static let usage = ExitCode(64)
}
