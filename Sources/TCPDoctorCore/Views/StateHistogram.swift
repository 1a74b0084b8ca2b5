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
    ///
    /// One pass with a small key per socket and counts in flat arrays; a group's label and
    /// details are made once, when its first socket is seen (at 200k sockets, a string and a
    /// dictionary per socket would cost more than the kernel's dump).
    public init(sockets: [SocketRecord], in snapshot: Snapshot, groupedBy grouping: Grouping? = nil) {
        var overall = StateTally()
        var slots: [Key: Int] = [:]
        var groups: [Group] = []
        var tallies: [StateTally] = []
        func add(_ key: Key, _ make: () -> Group, _ state: TCPState) {
            let slot: Int
            if let known = slots[key] {
                slot = known
            } else {
                slot = groups.count
                slots[key] = slot
                groups.append(make())
                tallies.append(StateTally())
            }
            tallies[slot].add(state)
        }
        for socket in sockets {
            let state = Self.displayState(socket.state)
            overall.add(state)
            guard let grouping else { continue }
            switch grouping {
            case .process:
                let owners = snapshot.owners(of: socket)
                if owners.isEmpty {
                    add(.noOwner(kernelOwned: socket.inode == 0), { Group(label: Self.noOwnerLabel(socket)) }, state)
                    continue
                }
                var previous: Int32?
                for owner in owners where owner.pid != previous {
                    // Owners are sorted by pid: a pid's fds are adjacent.
                    previous = owner.pid
                    add(
                        .process(owner.pid),
                        {
                            let command = snapshot.processes[owner.pid]?.command ?? "?"
                            return Group(label: "\(command) (pid \(owner.pid))", pid: owner.pid, command: command)
                        },
                        state
                    )
                }
            case .localPort:
                add(.port(socket.local.port), { Group(label: ":\(socket.local.port)", port: socket.local.port) }, state)
            case .remote:
                let remote = socket.state == .listen ? nil : socket.remote.address
                add(.remote(remote), { Group(label: remote.map { "\($0)" } ?? "*") }, state)
            case .netns:
                add(
                    .netns(socket.netns),
                    {
                        Group(
                            label: snapshot.namespace(socket.netns)?.label ?? "net:[\(socket.netns)]",
                            netns: socket.netns
                        )
                    },
                    state
                )
            }
        }
        self.counts = overall.dictionary
        self.total = sockets.count
        for (slot, tally) in tallies.enumerated() {
            groups[slot].counts = tally.dictionary
            groups[slot].total = tally.total
        }
        self.groups = groups.sorted { ($0.total, $1.label) > ($1.total, $0.label) }
    }

    /// What a socket is grouped by, before its group has a label.
    private enum Key: Hashable {
        case process(Int32)
        case noOwner(kernelOwned: Bool)
        case port(UInt16)
        /// Nil for listeners, which have no remote address ("*").
        case remote(IPAddress?)
        case netns(UInt64)
    }

    /// Counts per state, indexed by the state's raw value.
    private struct StateTally {
        var byState = [Int](repeating: 0, count: TCPState.rawValueSlots)
        var total = 0

        mutating func add(_ state: TCPState) {
            byState[Int(state.rawValue)] += 1
            total += 1
        }

        var dictionary: [TCPState: Int] {
            var result: [TCPState: Int] = [:]
            for state in TCPState.allCases where byState[Int(state.rawValue)] > 0 {
                result[state] = byState[Int(state.rawValue)]
            }
            return result
        }
    }

    /// Request sockets are shown as SYN_RECV, as netstat and ss do.
    static func displayState(_ state: TCPState) -> TCPState { state == .newSynReceived ? .synReceived : state }

    /// Where a socket without an owner comes from: TIME_WAIT and orphans have no file at all.
    static func noOwnerLabel(_ socket: SocketRecord) -> String {
        socket.inode == 0 ? "(no process: kernel-owned)" : "(owner not visible)"
    }
}
