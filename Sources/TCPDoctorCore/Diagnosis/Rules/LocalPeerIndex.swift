/// The sockets of this host at the other end of a connection, when both ends were seen.
///
/// A connection between two local sockets appears twice in a snapshot: local L and remote R in
/// one namespace, local R and remote L in the same namespace or another. Loopback addresses meet
/// only within one namespace (each has its own `lo`), so they match only there. Any other address
/// matches in another namespace (a container on a bridge, a veth pair) only where it is that
/// namespace's own address, seen as the bound local address of one of its sockets, and only when
/// exactly one namespace matches, both ways: two namespaces with the same private addresses
/// (containers behind NAT) cannot be told apart, and what cannot be confirmed is not claimed.
struct LocalPeerIndex {
    fileprivate struct Tuple: Hashable {
        var local: Endpoint
        var remote: Endpoint
    }

    /// The sockets of some states by 4-tuple, and each namespace's own addresses: what lookups
    /// read, built once per diagnosis for the states of closing connections
    /// (`DiagnosisIndexes.closingPeers`) and viewed by each rule through its own states.
    struct Table {
        /// CLOSE_WAIT and the states of its other end, FIN_WAIT1 and FIN_WAIT2: what the
        /// CLOSE_WAIT and FIN_WAIT2 rules look up.
        static let closingStates: Set<TCPState> = [.closeWait, .finWait1, .finWait2]

        fileprivate let snapshot: Snapshot
        /// The states whose sockets are in `byTuple`.
        let states: Set<TCPState>
        /// A tuple held by one socket (nearly all of them) maps to its index into
        /// `snapshot.sockets`; one held by several, to `-1 - k` where `shared[k]` lists them, so
        /// that the table costs no array per socket.
        fileprivate var byTuple: [Tuple: Int] = [:]
        fileprivate var shared: [[Int]] = []
        /// Each namespace's own non-loopback addresses, as its sockets' bound local addresses show them.
        fileprivate var addresses: [IPAddress: Set<UInt64>] = [:]

        init(_ snapshot: Snapshot, states: Set<TCPState>) {
            self.snapshot = snapshot
            self.states = states
            let sockets = snapshot.sockets
            byTuple.reserveCapacity(sockets.reduce(0) { states.contains($1.state) ? $0 + 1 : $0 })
            for index in sockets.indices {
                let local = LocalPeerIndex.normalized(sockets[index].local.address)
                if !local.isUnspecified && !local.isLoopback {
                    addresses[local, default: []].insert(sockets[index].netns)
                }
                guard states.contains(sockets[index].state) else { continue }
                let tuple = Tuple(
                    local: LocalPeerIndex.normalized(sockets[index].local),
                    remote: LocalPeerIndex.normalized(sockets[index].remote)
                )
                switch byTuple[tuple] {
                case nil: byTuple[tuple] = index
                case let first? where first >= 0:
                    byTuple[tuple] = -1 - shared.count
                    shared.append([first, index])
                case let many?: shared[-1 - many].append(index)
                }
            }
        }
    }

    private let table: Table
    private var snapshot: Snapshot { table.snapshot }
    private var addresses: [IPAddress: Set<UInt64>] { table.addresses }
    /// The states the other end may be in.
    private let states: Set<TCPState>
    /// The states a lookup sees: the other end's and the asking one's, both, so that a match can
    /// be checked for ambiguity both ways. Sockets of the table's other states are passed over.
    private let indexed: Set<TCPState>

    /// An index for finding the other ends of sockets in state `asking`.
    ///
    /// Shares the diagnosis' table when its states cover these (`DiagnosisIndexes`), else builds
    /// its own.
    ///
    /// - Parameters:
    ///   - states: The states the other end can be in; empty when only `namespace(of:from:)` is used.
    ///   - asking: The state of the sockets whose other ends are looked up.
    init(_ input: DiagnosisInput, states: Set<TCPState>, asking: TCPState? = nil) {
        let indexed = states.union(asking.map { [$0] } ?? [])
        self.table =
            indexed.isSubset(of: Table.closingStates)
            ? input.indexes.closingPeers(input.snapshot) : Table(input.snapshot, states: indexed)
        self.states = states
        self.indexed = indexed
    }

    /// The sockets of a `byTuple` entry in this index's states, in snapshot order.
    private func sockets(_ slot: Int?) -> [SocketRecord] {
        let found: [SocketRecord] =
            switch slot {
            case nil: []
            case let one? where one >= 0: [snapshot.sockets[one]]
            case let many?: table.shared[-1 - many].map { snapshot.sockets[$0] }
            }
        return found.filter { indexed.contains($0.state) }
    }

    /// The socket at the other end of `socket`'s connection, if it is on this host and unambiguous.
    func peer(of socket: SocketRecord) -> SocketRecord? {
        let key = Tuple(local: Self.normalized(socket.remote), remote: Self.normalized(socket.local))
        guard let slot = table.byTuple[key] else { return nil }
        // The common case, one socket with that tuple, seen in the same namespace: no array.
        if slot >= 0, indexed.contains(snapshot.sockets[slot].state), snapshot.sockets[slot].netns == socket.netns {
            return states.contains(snapshot.sockets[slot].state) ? snapshot.sockets[slot] : nil
        }
        let candidates = sockets(slot)
        guard !candidates.isEmpty else { return nil }
        if let same = candidates.first(where: { $0.netns == socket.netns }) {
            return states.contains(same.state) ? same : nil
        }
        guard !key.local.address.isLoopback else { return nil }
        // One namespace on each side: the other end's tuple, and this end's own, each in one.
        let namespaces = Set(candidates.map(\.netns))
        let mine = Set(sockets(table.byTuple[Tuple(local: key.remote, remote: key.local)]).map(\.netns))
        guard namespaces.count == 1, mine.count <= 1, let only = namespaces.first, let peer = candidates.first,
            addresses[key.local.address]?.contains(only) ?? false, states.contains(peer.state)
        else { return nil }
        return peer
    }

    /// The namespace where `address` is a local address, as seen from a socket in `netns`.
    ///
    /// Loopback is `netns` itself; another address is `netns` when it is one of its own, else the
    /// one other namespace that has it, else nil (unknown, or several namespaces have it).
    func namespace(of address: IPAddress, from netns: UInt64) -> UInt64? {
        let address = Self.normalized(address)
        if address.isLoopback { return netns }
        guard let owners = addresses[address] else { return nil }
        if owners.contains(netns) { return netns }
        return owners.count == 1 ? owners.first : nil
    }

    /// `::ffff:a.b.c.d` as `a.b.c.d`: a dual-stack socket's view of an IPv4 peer.
    fileprivate static func normalized(_ address: IPAddress) -> IPAddress {
        guard address.isIPv4Mapped, let value = address.ipv4Value else { return address }
        return IPAddress(ipv4: value)
    }

    fileprivate static func normalized(_ endpoint: Endpoint) -> Endpoint {
        Endpoint(address: normalized(endpoint.address), port: endpoint.port)
    }
}
