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
    private struct Tuple: Hashable {
        var local: Endpoint
        var remote: Endpoint
    }

    private let snapshot: Snapshot
    /// The states the other end may be in.
    private let states: Set<TCPState>
    /// Indexes into `snapshot.sockets` of the sockets in the other end's states and in the asking
    /// one's, by 4-tuple: both, so that a match can be checked for ambiguity both ways.
    private var byTuple: [Tuple: [Int]] = [:]
    /// Each namespace's own non-loopback addresses, as its sockets' bound local addresses show them.
    private var addresses: [IPAddress: Set<UInt64>] = [:]

    /// An index for finding the other ends of sockets in state `asking`.
    ///
    /// - Parameters:
    ///   - states: The states the other end can be in; empty when only `namespace(of:from:)` is used.
    ///   - asking: The state of the sockets whose other ends are looked up.
    init(_ snapshot: Snapshot, states: Set<TCPState>, asking: TCPState? = nil) {
        self.snapshot = snapshot
        self.states = states
        let indexed = states.union(asking.map { [$0] } ?? [])
        for (index, socket) in snapshot.sockets.enumerated() {
            let local = Self.normalized(socket.local.address)
            if !local.isUnspecified && !local.isLoopback { addresses[local, default: []].insert(socket.netns) }
            guard indexed.contains(socket.state) else { continue }
            byTuple[Tuple(local: Self.normalized(socket.local), remote: Self.normalized(socket.remote)), default: []]
                .append(index)
        }
    }

    /// The socket at the other end of `socket`'s connection, if it is on this host and unambiguous.
    func peer(of socket: SocketRecord) -> SocketRecord? {
        let key = Tuple(local: Self.normalized(socket.remote), remote: Self.normalized(socket.local))
        guard let candidates = byTuple[key] else { return nil }
        let sockets = candidates.map { snapshot.sockets[$0] }
        if let same = sockets.first(where: { $0.netns == socket.netns }) {
            return states.contains(same.state) ? same : nil
        }
        guard !key.local.address.isLoopback else { return nil }
        // One namespace on each side: the other end's tuple, and this end's own, each in one.
        let namespaces = Set(sockets.map(\.netns))
        let mine = Set((byTuple[Tuple(local: key.remote, remote: key.local)] ?? []).map { snapshot.sockets[$0].netns })
        guard namespaces.count == 1, mine.count <= 1, let only = namespaces.first, let peer = sockets.first,
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
    private static func normalized(_ address: IPAddress) -> IPAddress {
        guard address.isIPv4Mapped, let value = address.ipv4Value else { return address }
        return IPAddress(ipv4: value)
    }

    private static func normalized(_ endpoint: Endpoint) -> Endpoint {
        Endpoint(address: normalized(endpoint.address), port: endpoint.port)
    }
}
