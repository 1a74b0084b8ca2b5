import Foundation
import Glibc

/// Where the history database is when no `--db` is given: one rule for `record` and `history`.
public enum HistoryLocation {
    /// `/var/lib/tcpdoctor/history.sqlite` as root, else `$XDG_STATE_HOME/tcpdoctor/history.sqlite`
    /// (`~/.local/state` when `XDG_STATE_HOME` is unset or empty, as the XDG spec says).
    ///
    /// - Parameters:
    ///   - isRoot: Whether the caller runs as root (effective uid 0).
    ///   - environment: The process environment, for `XDG_STATE_HOME` and `HOME`.
    /// `defaultPath(isRoot:)` for this process: root by its effective uid.
    public static func defaultPath() -> String { defaultPath(isRoot: geteuid() == 0) }

    public static func defaultPath(
        isRoot: Bool,
        environment: [String: String] = Foundation.ProcessInfo.processInfo.environment
    ) -> String {
        if isRoot { return "/var/lib/tcpdoctor/history.sqlite" }
        let state =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return state + "/tcpdoctor/history.sqlite"
    }
}
