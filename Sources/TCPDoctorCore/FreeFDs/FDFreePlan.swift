/// Which socket fds of one process `free-fds` would free, and which it refuses, with why.
///
/// A pure value built from a `Snapshot`: planning reads nothing, so the dry run, the tests and a
/// library caller all see the same decision the action will carry out.
public struct FDFreePlan: Hashable, Sendable {
    /// One fd to free.
    public struct Target: Hashable, Sendable {
        public var fd: Int32
        /// The socket inode the fd referred to when planned; the action checks it again.
        public var inode: UInt64
        /// The socket's state; nil for a dead socket (in no kernel table).
        public var state: TCPState?
        public var local: Endpoint?
        public var remote: Endpoint?
        /// Other (pid, fd) pairs holding the same socket: it stays open until they close it too.
        public var otherHolders: [SocketOwner]

        public init(
            fd: Int32,
            inode: UInt64,
            state: TCPState?,
            local: Endpoint? = nil,
            remote: Endpoint? = nil,
            otherHolders: [SocketOwner] = []
        ) {
            self.fd = fd
            self.inode = inode
            self.state = state
            self.local = local
            self.remote = remote
            self.otherHolders = otherHolders
        }

        /// Whether it is a leak by the rule: a CLOSE_WAIT socket or a dead one.
        public var isLeak: Bool { state == nil || state == .closeWait }
    }

    /// An fd that matched the filter but is not freed.
    public struct Refusal: Hashable, Sendable {
        public enum Reason: String, Hashable, Sendable {
            /// A live socket in another state than CLOSE_WAIT: the application may still use it.
            case notLeaked = "not-leaked"
            /// In no kernel table, but not confirmed dead (see `UnverifiedSocketFD`).
            case unverified
        }

        public var target: Target
        public var reason: Reason
        public var detail: String

        public init(target: Target, reason: Reason, detail: String) {
            self.target = target
            self.reason = reason
            self.detail = detail
        }
    }

    public var pid: Int32
    public var mode: FDFreeMode
    /// In fd order.
    public var targets: [Target]
    /// In fd order.
    public var refusals: [Refusal]

    public init(pid: Int32, mode: FDFreeMode, targets: [Target], refusals: [Refusal]) {
        self.pid = pid
        self.mode = mode
        self.targets = targets
        self.refusals = refusals
    }

    /// The plan for `pid` in `snapshot`: its CLOSE_WAIT and dead socket fds that match `filter`.
    ///
    /// Listening sockets are left out. Sockets in other states are refused unless `force`, and so are fds in no table that could
    /// not be confirmed dead. Dead sockets have no state or addresses to filter on, so, as in
    /// `sockets`, they are taken only when the filter is empty.
    public static func make(
        pid: Int32,
        in snapshot: Snapshot,
        filter: SocketFilter = .all,
        mode: FDFreeMode = .close,
        force: Bool = false
    ) -> FDFreePlan {
        var targets: [Target] = []
        var refusals: [Refusal] = []
        func others(_ inode: UInt64, _ fd: Int32) -> [SocketOwner] {
            snapshot.owners.owners(of: inode).filter { $0 != SocketOwner(pid: pid, fd: fd) }
        }
        // A listener is no connection and no leak: never taken, even with --force, and not
        // listed (closing it would stop the server from accepting).
        for socket in snapshot.sockets where socket.inode != 0 && socket.state != .listen && filter.matches(socket) {
            for owner in snapshot.owners(of: socket) where owner.pid == pid {
                let target = Target(
                    fd: owner.fd,
                    inode: socket.inode,
                    state: socket.state,
                    local: socket.local,
                    remote: socket.remote,
                    otherHolders: others(socket.inode, owner.fd)
                )
                if target.isLeak || force {
                    targets.append(target)
                } else {
                    let detail =
                        "\(socket.state.netstatName) is not a leak: the application may still use it (--force frees it anyway)"
                    refusals.append(Refusal(target: target, reason: .notLeaked, detail: detail))
                }
            }
        }
        if filter == .all {
            for dead in snapshot.deadSocketFDs where dead.owner.pid == pid {
                targets.append(
                    Target(
                        fd: dead.owner.fd,
                        inode: dead.inode,
                        state: nil,
                        otherHolders: others(dead.inode, dead.owner.fd)
                    )
                )
            }
            for unverified in snapshot.unverifiedSocketFDs where unverified.owner.pid == pid {
                let target = Target(fd: unverified.owner.fd, inode: unverified.inode, state: nil)
                if force {
                    targets.append(target)
                } else {
                    let detail = unverified.detail + " (--force frees it anyway)"
                    refusals.append(Refusal(target: target, reason: .unverified, detail: detail))
                }
            }
        }
        targets.sort { $0.fd < $1.fd }
        refusals.sort { $0.target.fd < $1.target.fd }
        return FDFreePlan(pid: pid, mode: mode, targets: targets, refusals: refusals)
    }
}
