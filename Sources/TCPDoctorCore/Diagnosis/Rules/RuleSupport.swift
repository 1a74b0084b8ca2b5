/// Lookups the rules share: processes, namespaces, and the settings of a socket's namespace.
extension DiagnosisInput {
    /// The finding's view of `pid`: its command, or `?` when the process was not read.
    func findingProcess(_ pid: Int32) -> Finding.Process {
        Finding.Process(pid: pid, command: snapshot.processes[pid]?.command ?? "?")
    }

    /// The finding's processes for `pids`, each once, lowest pid first.
    func findingProcesses(_ pids: some Sequence<Int32>) -> [Finding.Process] {
        Set(pids).sorted().map(findingProcess)
    }

    /// The process records of `pids` that were read, lowest pid first, with their runtimes.
    func tcpProcesses(_ pids: some Sequence<Int32>) -> [TCPProcess] {
        Set(pids).sorted().compactMap(culprit)
    }

    /// The record of a process a finding names, with its runtime: as read, or recognised now
    /// through `runtimes` (only for such processes: recognition reads executables and maps).
    func culprit(_ pid: Int32) -> TCPProcess? {
        guard var process = snapshot.processes[pid] else { return nil }
        if process.runtime == nil, let runtimes { process.runtime = runtimes.runtime(of: pid) }
        return process
    }

    /// Namespace `inode` for a finding, labelled with its name or `host`; nil when the socket's
    /// namespace is unknown (inode 0).
    func findingNamespace(_ inode: UInt64) -> Finding.Namespace? {
        if let namespace = snapshot.namespace(inode) { return Finding.Namespace(inode: inode, label: namespace.label) }
        return inode == 0 ? nil : Finding.Namespace(inode: inode, label: "net:[\(inode)]")
    }

    /// The settings and counters of namespace `inode`.
    ///
    /// Sockets read without namespace information (inode 0) belong to the namespace tcpdoctor
    /// runs in, so they get the host's facts.
    func facts(_ inode: UInt64) -> NamespaceFacts? {
        if let facts = host.namespaces[inode] { return facts }
        guard inode == 0, let hostInode = snapshot.namespaces.first(where: \.isHost)?.inode else { return nil }
        return host.namespaces[hostInode]
    }

    /// A sentence on why owners are missing, from the snapshot's coverage.
    var missingOwnersReason: String {
        let coverage = snapshot.coverage
        if !coverage.ownersScanned { return "Owners were not looked up in this snapshot." }
        if !coverage.processesUnreadable.isEmpty {
            let advice = coverage.privileged ? "" : " Run as root to see them."
            return "\(coverage.processesUnreadable.count) processes could not be inspected.\(advice)"
        }
        return "The holder may have exited during the scan."
    }
}

/// `pid` and `command` in the form findings print: `java (pid 412)`.
func describe(_ process: Finding.Process) -> String { "\(process.command) (pid \(process.pid))" }

/// Several processes joined for a sentence: `a`, `a and b`, `a, b and 3 more`.
func describe(_ processes: [Finding.Process], limit: Int = 3) -> String {
    let names = processes.prefix(limit).map(describe)
    let more = processes.count - names.count
    if more > 0 { return names.joined(separator: ", ") + " and \(more) more" }
    return names.isEmpty ? "an unknown process" : sentenceList(names)
}

/// Items joined for a sentence: `a`, `a and b`, `a, b and c`.
func sentenceList(_ items: [String]) -> String {
    guard let last = items.last else { return "" }
    return items.count == 1 ? last : items.dropLast().joined(separator: ", ") + " and " + last
}

/// `1 socket`, `3 sockets`.
func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
}

/// A share as people read it: `87%`, `4.5%`, `0.1%`.
func percent(_ share: Double) -> String {
    guard share.isFinite else { return "?" }
    // Clamped so that absurd inputs (a counter far beyond its limit) cannot trap in Int(_:).
    let value = min(max(share * 100, 0), 1e9)
    if value >= 10 || value == 0 { return "\(Int(value.rounded()))%" }
    let tenths = max(1, Int((value * 10).rounded()))
    return "\(tenths / 10).\(tenths % 10)%"
}

/// A share for JSON, rounded to three decimals.
func shareValue(_ share: Double) -> EvidenceValue { .number((share * 1000).rounded() / 1000) }

/// A duration as people read it: `45 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`.
func duration(seconds: Int64) -> String {
    if seconds < 60 { return "\(seconds) s" }
    if seconds < 3600 { return "\(seconds / 60) min" + (seconds % 60 == 0 ? "" : " \(seconds % 60) s") }
    if seconds < 86_400 { return "\(seconds / 3600) h" + (seconds % 3600 < 60 ? "" : " \(seconds % 3600 / 60) min") }
    return "\(seconds / 86_400) d" + (seconds % 86_400 < 3600 ? "" : " \(seconds % 86_400 / 3600) h")
}

/// The runtime evidence of the culprits: `Java (JVM)`, or `not recognised`.
func runtimeEvidence(_ processes: [TCPProcess]) -> EvidenceField? {
    guard !processes.isEmpty else { return nil }
    var names: [String] = []
    for process in processes {
        let name =
            process.runtime.map { identity in
                identity.server.map { "\($0) (\(identity.runtime.displayName))" } ?? identity.runtime.displayName
            } ?? "not recognised"
        if !names.contains(name) { names.append(name) }
    }
    return EvidenceField("runtime", .text(names.joined(separator: ", ")))
}

/// The side of a connection that names its culprit best.
///
/// A socket whose local port is a listener's port in the same namespace belongs to a server: its
/// peers are many clients on random ports, so the listening port names the service. Any other
/// socket is a client's: the peer's address names the destination.
enum PeerTarget: Hashable, Sendable {
    /// Server side: the local listening port.
    case listeningPort(UInt16)
    /// Client side: the peer's address.
    case peer(IPAddress)
}

/// The listening sockets of a snapshot, by namespace and port.
struct ListenerIndex {
    private struct Key: Hashable {
        var netns: UInt64
        var port: UInt16
    }

    private var listeners: [Key: [SocketRecord]] = [:]

    init(_ sockets: [SocketRecord]) {
        for socket in sockets where socket.state == .listen {
            listeners[Key(netns: socket.netns, port: socket.local.port), default: []].append(socket)
        }
    }

    /// Whether some socket listens on `port` in namespace `netns`.
    func isListening(netns: UInt64, port: UInt16) -> Bool { listeners[Key(netns: netns, port: port)] != nil }

    /// The listening sockets on `port` in namespace `netns`.
    func listeners(netns: UInt64, port: UInt16) -> [SocketRecord] { listeners[Key(netns: netns, port: port)] ?? [] }

    /// The pids holding a listener on `port` in `netns`, each once, lowest first.
    func ownerPIDs(netns: UInt64, port: UInt16, in snapshot: Snapshot) -> [Int32] {
        var pids: Set<Int32> = []
        for listener in listeners(netns: netns, port: port) {
            for owner in snapshot.owners(of: listener) { pids.insert(owner.pid) }
        }
        return pids.sorted()
    }

    /// The target that names the culprit of `socket` best (see `PeerTarget`).
    func target(of socket: SocketRecord) -> PeerTarget {
        isListening(netns: socket.netns, port: socket.local.port)
            ? .listeningPort(socket.local.port) : .peer(socket.remote.address)
    }
}

/// Remote ports seen toward one peer address: one port names a service, many mean the peer is a
/// client (or several services).
struct PortTally: Hashable, Sendable {
    private(set) var first: UInt16?
    private(set) var varies = false

    mutating func add(_ port: UInt16) {
        if let first { varies = varies || first != port } else { first = port }
    }

    /// `10.0.0.9:8080` when one port was seen, `10.0.0.9 (various ports)` otherwise.
    func describe(_ address: IPAddress) -> String {
        if !varies, let first { return Endpoint(address: address, port: first).description }
        let host = address.family == .ipv6 ? "[\(address)]" : "\(address)"
        return host + " (various ports)"
    }
}

/// A group of sockets in one namespace pointing at one `PeerTarget`.
struct PeerGroupKey: Hashable {
    var netns: UInt64
    var target: PeerTarget
}

/// Where a group of sockets points (see `PeerTarget`): the remote ports seen toward one peer, or
/// the peers seen on one listening port.
struct PeerSpread {
    private(set) var ports = PortTally()
    private(set) var peers: [IPAddress: Int] = [:]

    mutating func add(_ socket: SocketRecord, toward target: PeerTarget) {
        switch target {
        case .peer: ports.add(socket.remote.port)
        case .listeningPort: peers[socket.remote.address, default: 0] += 1
        }
    }

    /// How a finding names the group's target.
    struct Description {
        /// `10.0.0.9:8080`, or the top peer addresses on a listening port.
        var peer: String
        /// `toward 10.0.0.9:8080`, or `on port :8080 (12 peers)`.
        var place: String
        /// `peer` or `local_port` evidence.
        var locator: EvidenceField
        /// `top_peers` evidence, for a listening port.
        var topPeers: EvidenceField?
        /// The listening port, when the target is one.
        var listeningPort: UInt16?
    }

    func describe(_ target: PeerTarget) -> Description {
        switch target {
        case .peer(let address):
            let peer = ports.describe(address)
            return Description(peer: peer, place: "toward \(peer)", locator: EvidenceField("peer", .text(peer)))
        case .listeningPort(let port):
            return Description(
                peer: topCounts(peers).map { "\($0.key)" }.joined(separator: ", "),
                place: "on port :\(port) (\(counted(peers.count, "peer")))",
                locator: EvidenceField("local_port", .integer(Int64(port))),
                topPeers: topPeersEvidence(peers),
                listeningPort: port
            )
        }
    }
}

/// The `top_peers` evidence: the peer addresses with the most sockets, largest first.
func topPeersEvidence(_ peers: [IPAddress: Int]) -> EvidenceField {
    EvidenceField(
        "top_peers",
        .list(
            topCounts(peers).map {
                .object([
                    EvidenceField("address", .text("\($0.key)")),
                    EvidenceField("count", .integer(Int64($0.count))),
                ])
            }
        )
    )
}

/// Counts per key, largest first, ties by key order: the peers or ports evidence lists.
func topCounts<Key: Hashable & Comparable>(_ counts: [Key: Int], limit: Int = 5) -> [(key: Key, count: Int)] {
    counts.map { (key: $0.key, count: $0.value) }
        .sorted { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
        .prefix(limit).map { $0 }
}

/// Runs `body` on `value` in place. `inPlace(&tallies[key, default: Tally()]) { $0.count += 1 }`
/// changes the dictionary's own tally, where reading it out and writing it back copies the
/// tally's arrays and sets once per socket (the dictionary still holds them while they change).
@inline(__always)
func inPlace<Value>(_ value: inout Value, _ body: (inout Value) -> Void) { body(&value) }
