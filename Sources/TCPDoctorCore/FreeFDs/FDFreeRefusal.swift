/// Why `free-fds` will not touch a process at all: the reason explained, not an errno passed on.
public struct FDFreeRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: String, Hashable, Sendable {
        /// No such process.
        case noProcess = "no-process"
        /// Yama's ptrace_scope forbids the attach.
        case yama
        /// Not allowed to ptrace the process: another user's without CAP_SYS_PTRACE.
        case permission
        /// Another tracer (a debugger, strace) is attached.
        case alreadyTraced = "already-traced"
        /// A seccomp filter may kill the process on an injected call (refused without --force).
        case seccomp
        /// The process is tcpdoctor itself.
        case ownProcess = "own-process"
        /// The process exited during free-fds.
        case exited
    }

    public var reason: Reason
    public var message: String
    /// What to do about it.
    public var notes: [String]

    public init(_ reason: Reason, _ message: String, notes: [String] = []) {
        self.reason = reason
        self.message = message
        self.notes = notes
    }

    public var description: String { message }
}

/// What is known of the right to ptrace a process, read before trying (see `FDFreePreflight`).
public struct PtraceFacts: Hashable, Sendable {
    /// /proc/sys/kernel/yama/ptrace_scope; nil without Yama.
    public var yamaScope: Int?
    /// Whether the caller's effective capabilities hold CAP_SYS_PTRACE.
    public var hasCapSysPtrace: Bool
    public var callerUID: UInt32
    /// The target's real, effective and saved uids (`Uid:` in its status).
    public var targetUIDs: [UInt32]
    /// `TracerPid:` of the target's status; 0 when untraced.
    public var tracerPID: Int32
    /// The tracer's command name, when it could be read.
    public var tracerCommand: String?
    /// `Seccomp:` of the target's status: 0 off, 1 strict, 2 filter.
    public var seccompMode: Int
    /// Whether the target descends from the caller (Yama scope 1 allows only those).
    public var isDescendant: Bool

    public init(
        yamaScope: Int?,
        hasCapSysPtrace: Bool,
        callerUID: UInt32,
        targetUIDs: [UInt32],
        tracerPID: Int32,
        tracerCommand: String? = nil,
        seccompMode: Int,
        isDescendant: Bool
    ) {
        self.yamaScope = yamaScope
        self.hasCapSysPtrace = hasCapSysPtrace
        self.callerUID = callerUID
        self.targetUIDs = targetUIDs
        self.tracerPID = tracerPID
        self.tracerCommand = tracerCommand
        self.seccompMode = seccompMode
        self.isDescendant = isDescendant
    }
}
