/// Counts of sockets per TCP state, overall and per group.
///
/// Unlike `ss -s` and SNMP's `CurrEstab`, CLOSE_WAIT is its own row and never counted as
/// established: a pile of it is the leak this tool exists to find.
public struct StateHistogram: Hashable, Sendable {
    /// How to group sockets.
    public enum Grouping: String, Hashable, Sendable, CaseIterable {
        /// By owning process; a socket shared by several processes counts once in each.
        case process
        /// By local port.
        case localPort = "local-port"
        /// By remote address (without the port).
        case remote
        /// By network namespace.
        case netns
    }

    /// One group's key and counts.
    public struct Group: Hashable, Sendable {
        /// A label for people, such as `nginx (pid 412)`, `:8080`, `10.0.0.9` or `host`.
        public var label: String
        /// Set for process groups.
        public var pid: Int32?
        /// Set for process groups.
        public var command: String?
        /// Set for local-port groups.
        public var port: UInt16?
        /// Set for netns groups.
        public var netns: UInt64?
        public var counts: [TCPState: Int]
        public var total: Int

        public init(label: String, pid: Int32? = nil, command: String? = nil, port: UInt16? = nil, netns: UInt64? = nil)
        {
            self.label = label
            self.pid = pid
            self.command = command
            self.port = port
            self.netns = netns
            self.counts = [:]
            self.total = 0
        }
    }

    public var counts: [TCPState: Int]
    public var total: Int
    /// Groups, largest first; empty unless a grouping was asked for.
    public var groups: [Group]

    /// Counts `sockets` (already filtered), grouped by `grouping` if given.
    public init(sockets: [SocketRecord], in snapshot: Snapshot, groupedBy grouping: Grouping? = nil) {
        var counts: [TCPState: Int] = [:]
        for socket in sockets { counts[Self.displayState(socket.state), default: 0] += 1 }
        self.counts = counts
        self.total = sockets.count
        guard let grouping else {
            self.groups = []
            return
        }
        var groups: [String: Group] = [:]
        func add(_ key: String, _ make: () -> Group, _ state: TCPState) {
            var group = groups[key] ?? make()
            group.counts[state, default: 0] += 1
            group.total += 1
            groups[key] = group
        }
        for socket in sockets {
            let state = Self.displayState(socket.state)
            switch grouping {
            case .process:
                let owners = snapshot.owners(of: socket)
                if owners.isEmpty {
                    let label = Self.noOwnerLabel(socket)
                    add(label, { Group(label: label) }, state)
                    continue
                }
                var seen: Set<Int32> = []
                for owner in owners where seen.insert(owner.pid).inserted {
                    let command = snapshot.processes[owner.pid]?.command ?? "?"
                    add(
                        "\(owner.pid)",
                        { Group(label: "\(command) (pid \(owner.pid))", pid: owner.pid, command: command) },
                        state
                    )
                }
            case .localPort:
                add("\(socket.local.port)", { Group(label: ":\(socket.local.port)", port: socket.local.port) }, state)
            case .remote:
                let label = socket.state == .listen ? "*" : "\(socket.remote.address)"
                add(label, { Group(label: label) }, state)
            case .netns:
                let label = snapshot.namespace(socket.netns)?.label ?? "net:[\(socket.netns)]"
                add("\(socket.netns)", { Group(label: label, netns: socket.netns) }, state)
            }
        }
        self.groups = groups.values.sorted { ($0.total, $1.label) > ($1.total, $0.label) }
    }

    /// Request sockets are shown as SYN_RECV, as netstat and ss do.
    static func displayState(_ state: TCPState) -> TCPState { state == .newSynReceived ? .synReceived : state }

    /// Where a socket without an owner comes from: TIME_WAIT and orphans have no file at all.
    static func noOwnerLabel(_ socket: SocketRecord) -> String {
        socket.inode == 0 ? "(no process: kernel-owned)" : "(owner not visible)"
    }
}
