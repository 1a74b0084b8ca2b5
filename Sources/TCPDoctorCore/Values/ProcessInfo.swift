/// One process that holds sockets, as read from `/proc/PID`.
///
/// Named `TCPProcess` rather than `ProcessInfo` to stay clear of Foundation's type.
public struct TCPProcess: Hashable, Sendable {
    public var pid: Int32
    /// `/proc/PID/comm`: the kernel's 15-character command name.
    ///
    /// Any process can set its own to any bytes (`prctl(PR_SET_NAME)`), so text output escapes it
    /// (`TextEscaping`); the value keeps it as read.
    public var command: String
    /// `/proc/PID/cmdline` split at its NULs into the process's arguments, `argv[0]` first; empty
    /// for kernel threads and zombies.
    ///
    /// Kept as elements, not joined: an argument may itself contain spaces, and `--process`
    /// matches the program name in `argv[0]`. Like `command`, chosen by the process.
    public var argv: [String]
    /// The real uid from `/proc/PID/status`.
    public var uid: UInt32
    /// The user name for `uid` from /etc/passwd, or nil if it has none.
    public var user: String?
    /// Open file descriptors (entries of `/proc/PID/fd`).
    public var openFiles: Int
    /// RLIMIT_NOFILE soft limit; nil for "unlimited" or when unreadable.
    public var fileLimitSoft: UInt64?
    /// RLIMIT_NOFILE hard limit; nil for "unlimited" or when unreadable.
    public var fileLimitHard: UInt64?
    /// The inode of the process's network namespace (`/proc/PID/ns/net`), 0 if unknown.
    public var netns: UInt64
    /// The parent's pid (`PPid` in /proc/PID/status), 0 if unknown.
    public var parentPID: Int32
    /// The runtime, when it was looked for and recognised (the doctor looks; `sockets` does not).
    public var runtime: RuntimeIdentity?
    /// When the process started (`/proc/PID/stat` field 22, clock ticks after boot); nil if
    /// unknown. What is read from `/proc/PID` later is checked against it, so that a pid reused
    /// since is not taken for this process.
    public var startTime: UInt64? = nil

    public init(
        pid: Int32,
        command: String,
        argv: [String] = [],
        uid: UInt32 = 0,
        user: String? = nil,
        openFiles: Int = 0,
        fileLimitSoft: UInt64? = nil,
        fileLimitHard: UInt64? = nil,
        netns: UInt64 = 0,
        parentPID: Int32 = 0,
        runtime: RuntimeIdentity? = nil
    ) {
        self.pid = pid
        self.command = command
        self.argv = argv
        self.uid = uid
        self.user = user
        self.openFiles = openFiles
        self.fileLimitSoft = fileLimitSoft
        self.fileLimitHard = fileLimitHard
        self.netns = netns
        self.parentPID = parentPID
        self.runtime = runtime
    }
}

/// One file descriptor of one process that refers to a socket.
public struct SocketOwner: Hashable, Sendable, Comparable {
    public var pid: Int32
    public var fd: Int32

    public init(pid: Int32, fd: Int32) {
        self.pid = pid
        self.fd = fd
    }

    public static func < (lhs: SocketOwner, rhs: SocketOwner) -> Bool { (lhs.pid, lhs.fd) < (rhs.pid, rhs.fd) }
}
