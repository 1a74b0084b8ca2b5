import TCPDoctorCore

/// What a snapshot should contain; every part has a cost, so callers ask only for what they show.
public struct SnapshotRequest: Hashable, Sendable {
    /// Which network namespaces to read.
    public enum Namespaces: Hashable, Sendable {
        /// Every namespace on the host: each distinct `/proc/*/ns/net` and `/var/run/netns/*`.
        case all
        /// Only the namespace tcpdoctor runs in.
        case current
        /// A namespace given by name (`/var/run/netns/NAME`), path, or the pid of a process in it.
        case named(String)
        case path(String)
        case pid(Int32)
    }

    /// States to ask the kernel for (`idiag_states`).
    public var states: TCPStateSet
    public var namespaces: Namespaces
    /// Walk `/proc/*/fd` to find which processes hold each socket.
    public var includeOwners: Bool
    /// Ask the kernel for `tcp_info` (`INET_DIAG_INFO`).
    public var includeInfo: Bool
    /// With `includeInfo`, the states whose sockets get it (`SockDiagQuery.infoStates`).
    public var infoStates: TCPStateSet
    /// Ask the kernel for shutdown state (`INET_DIAG_SHUTDOWN`).
    public var includeShutdown: Bool
    /// Read sockets from /proc/net/tcp even when netlink works (for comparison and tests).
    public var forceProcfs: Bool
    /// Look for socket fds whose socket is in no table (needs owners and every state).
    public var findDeadSocketFDs: Bool
    /// How long a reset socket must have been idle to count as dead; fds active more recently
    /// are listed as unverified (`Thresholds.deadSocketMinimumIdle`).
    public var deadSocketMinimumIdle: Duration
    /// Sockets to make room for before the dump (a refresher passes the last dump's count), so
    /// that 200k records are not copied from array to doubled array as they arrive; 0 for none.
    public var socketCapacity = 0

    public init(
        states: TCPStateSet = .all,
        namespaces: Namespaces = .all,
        includeOwners: Bool = true,
        includeInfo: Bool = false,
        infoStates: TCPStateSet = .all,
        includeShutdown: Bool = false,
        forceProcfs: Bool = false,
        findDeadSocketFDs: Bool = true,
        deadSocketMinimumIdle: Duration = Thresholds().deadSocketMinimumIdle
    ) {
        self.states = states
        self.namespaces = namespaces
        self.includeOwners = includeOwners
        self.includeInfo = includeInfo
        self.infoStates = infoStates
        self.includeShutdown = includeShutdown
        self.forceProcfs = forceProcfs
        self.findDeadSocketFDs = findDeadSocketFDs
        self.deadSocketMinimumIdle = deadSocketMinimumIdle
    }
}
