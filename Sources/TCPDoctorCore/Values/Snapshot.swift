/// Every TCP socket of the host at one moment, with the processes that hold them.
///
/// A snapshot is an immutable value: sources build it, rules judge it, renderers print it.
public struct Snapshot: Sendable {
    /// Seconds since the Unix epoch when the snapshot was taken.
    public var takenAt: Double
    /// Sockets of every namespace that was read, in kernel dump order per namespace.
    public var sockets: [SocketRecord]
    /// The namespaces that were read (and those that could not be, listed in `coverage`).
    public var namespaces: [NetworkNamespace]
    /// Holders of each socket by inode. Socket inodes are global across namespaces.
    public var owners: SocketOwnerTable
    /// Every process that holds at least one socket fd, by pid.
    public var processes: [Int32: TCPProcess]
    /// TCP socket fds whose socket is in no kernel table: reset or destroyed while still held.
    ///
    /// Only fds confirmed through a duplicate (same inode, a closed TCP socket that carried a
    /// connection, idle long enough); the others are in `unverifiedSocketFDs`.
    public var deadSocketFDs: [DeadSocketFD]
    /// TCP socket fds in no kernel table that could not be confirmed as dead, with the reason.
    public var unverifiedSocketFDs: [UnverifiedSocketFD]
    /// What could not be seen, and why.
    public var coverage: Coverage

    public init(
        takenAt: Double,
        sockets: [SocketRecord],
        namespaces: [NetworkNamespace] = [],
        owners: SocketOwnerTable = SocketOwnerTable(),
        processes: [Int32: TCPProcess] = [:],
        deadSocketFDs: [DeadSocketFD] = [],
        unverifiedSocketFDs: [UnverifiedSocketFD] = [],
        coverage: Coverage = Coverage()
    ) {
        self.takenAt = takenAt
        self.sockets = sockets
        self.namespaces = namespaces
        self.owners = owners
        self.processes = processes
        self.deadSocketFDs = deadSocketFDs
        self.unverifiedSocketFDs = unverifiedSocketFDs
        self.coverage = coverage
    }

    /// The (pid, fd) pairs that hold `socket`, sorted; empty for inode 0 or an unknown holder.
    public func owners(of socket: SocketRecord) -> ArraySlice<SocketOwner> {
        socket.inode == 0 ? [] : owners.owners(of: socket.inode)
    }

    /// The namespace with the given inode, if it was read.
    public func namespace(_ inode: UInt64) -> NetworkNamespace? {
        namespaces.first { $0.inode == inode }
    }
}

/// A socket fd whose TCP socket is in no kernel socket table.
///
/// This is what remains when the kernel resets or destroys a socket (keepalive timeout, `ss -K`,
/// an RST in CLOSE_WAIT) while the application never closes the descriptor: the table entry is
/// gone, the file descriptor and its memory are not.
public struct DeadSocketFD: Hashable, Sendable {
    public var owner: SocketOwner
    public var inode: UInt64
    /// The socket's protocol name from `system.sockprotoname`: `TCP` or `TCPv6`.
    public var protocolName: String
    /// Milliseconds since the socket last sent or received anything, from `TCP_INFO`; nil when
    /// not measured (values built by hand).
    public var idleMilliseconds: UInt32?

    public init(owner: SocketOwner, inode: UInt64, protocolName: String, idleMilliseconds: UInt32? = nil) {
        self.owner = owner
        self.inode = inode
        self.protocolName = protocolName
        self.idleMilliseconds = idleMilliseconds
    }
}

/// What a snapshot could not see, so that no output is silently incomplete.
public struct Coverage: Hashable, Sendable {
    /// Where the socket records came from.
    public enum Source: String, Sendable, Hashable {
        /// `NETLINK_SOCK_DIAG` dumps.
        case netlink
        /// `/proc/net/tcp` and `/proc/net/tcp6`, the slow fallback.
        case procfs
    }

    /// A process whose file descriptors could not be read.
    public struct UnreadableProcess: Hashable, Sendable {
        public var pid: Int32
        public var command: String?
        /// The reason, as a short sentence such as "permission denied".
        public var reason: String

        public init(pid: Int32, command: String?, reason: String) {
            self.pid = pid
            self.command = command
            self.reason = reason
        }
    }

    /// A namespace whose sockets could not be read.
    public struct NamespaceProblem: Hashable, Sendable {
        /// The namespace's label, for people.
        public var namespace: String
        /// The inode of the namespace file: what identifies it in JSON (`netns`) and in sockets.
        public var inode: UInt64
        public var reason: String

        public init(namespace: String, inode: UInt64, reason: String) {
            self.namespace = namespace
            self.inode = inode
            self.reason = reason
        }
    }

    /// How one namespace's sockets were read.
    public struct NamespaceSource: Hashable, Sendable {
        /// The namespace's inode (`NetworkNamespace.inode`).
        public var inode: UInt64
        /// Its label, for sentences (`NetworkNamespace.label`).
        public var label: String
        public var source: Source

        public init(inode: UInt64, label: String, source: Source) {
            self.inode = inode
            self.label = label
            self.source = source
        }
    }

    /// `.procfs` when the sockets of at least one namespace came from /proc/net/tcp (and so lack
    /// tcp_info, cookies and shutdown state); `namespaceSources` says which.
    public var source: Source
    /// Every namespace whose sockets were read, and how, in the order read. The choice is made
    /// per namespace: /proc only where netlink sock_diag is not supported (or was not wanted).
    public var namespaceSources: [NamespaceSource]
    /// Whether tcpdoctor ran as root; gaps then are not a matter of privilege.
    public var privileged: Bool
    /// Whether owners were looked up at all (the `states` command without grouping skips them).
    public var ownersScanned: Bool
    public var processesScanned: Int
    public var processesUnreadable: [UnreadableProcess]
    /// Processes that exited between listing `/proc` and reading their fds.
    public var processesVanished: Int
    /// Sockets with a non-zero inode for which no holder was found.
    public var socketsUnattributed: Int
    public var namespaceProblems: [NamespaceProblem]
    /// Other caveats worth a line of output.
    public var notes: [String]

    public init(
        source: Source = .netlink,
        privileged: Bool = false,
        ownersScanned: Bool = false,
        processesScanned: Int = 0,
        processesUnreadable: [UnreadableProcess] = [],
        processesVanished: Int = 0,
        socketsUnattributed: Int = 0,
        namespaceProblems: [NamespaceProblem] = [],
        notes: [String] = [],
        namespaceSources: [NamespaceSource] = []
    ) {
        self.source = source
        self.namespaceSources = namespaceSources
        self.privileged = privileged
        self.ownersScanned = ownersScanned
        self.processesScanned = processesScanned
        self.processesUnreadable = processesUnreadable
        self.processesVanished = processesVanished
        self.socketsUnattributed = socketsUnattributed
        self.namespaceProblems = namespaceProblems
        self.notes = notes
    }
}
