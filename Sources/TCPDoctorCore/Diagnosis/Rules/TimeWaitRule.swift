/// Says who holds TIME_WAIT and whether it hurts: a client running out of ephemeral ports toward
/// one destination, or a server that closes every connection first.
///
/// TIME_WAIT stays on the side that closed first, for 60 s on Linux (`TCP_TIMEWAIT_LEN`, whatever
/// `tcp_fin_timeout` says), and has no owner (inode 0): the finding names the side, and the
/// process only by inference. A socket whose local port is a listener's port in its namespace
/// is the server's; the listener's process is named. Any other TIME_WAIT whose local port lies
/// in `ip_local_port_range` holds an ephemeral port toward its destination: counted per
/// namespace, local address and destination address and port, against the range's size. The
/// processes holding other connections toward that destination are named as likely clients.
///
/// A destination that is a listener on this host names its server (`LocalServer`), so that the
/// remedy can say which of the two local processes to change.
///
/// Thresholds: `time-wait.port-share-warning` and `time-wait.port-share-critical` (share of the
/// range per destination; capped at warning when tcp_tw_reuse applies), and
/// `time-wait.server-warning` (TIME_WAIT sockets on one listening port).
public struct TimeWaitRule: DiagnosisRule {
    public let id = "time-wait"
    public let summary =
        "TIME_WAIT piles: a client running out of ports toward one destination, or a server closing first"

    public init() {}

    /// Linux's default `ip_local_port_range`, assumed when the namespace's was not read.
    static let defaultPortRange = 32768...60999

    private struct Destination: Hashable {
        var netns: UInt64
        var local: IPAddress
        var remote: Endpoint
    }

    private struct ServerPort: Hashable {
        var netns: UInt64
        var port: UInt16
    }

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        let sockets = input.snapshot.sockets
        let listeners = input.indexes.listeners(input.snapshot)
        var ranges: [UInt64: (range: ClosedRange<Int>, assumed: Bool)] = [:]
        func range(_ netns: UInt64) -> (range: ClosedRange<Int>, assumed: Bool) {
            if let known = ranges[netns] { return known }
            let found = input.facts(netns)?.localPortRange.map { ($0, false) } ?? (Self.defaultPortRange, true)
            ranges[netns] = found
            return found
        }
        var destinations: [Destination: Int] = [:]
        var servers: [ServerPort: [IPAddress: Int]] = [:]
        for socket in sockets where socket.state == .timeWait {
            if listeners.isListening(netns: socket.netns, port: socket.local.port) {
                servers[ServerPort(netns: socket.netns, port: socket.local.port), default: [:]][
                    socket.remote.address,
                    default: 0
                ] += 1
            } else if range(socket.netns).range.contains(Int(socket.local.port)) {
                destinations[
                    Destination(netns: socket.netns, local: socket.local.address, remote: socket.remote),
                    default: 0
                ] += 1
            }
        }
        let warning = input.thresholds[.timeWaitPortShareWarning]
        let pressed = destinations.filter { Double($0.value) / Double(range($0.key.netns).range.count) >= warning }
        var findings: [Finding] = []
        if !pressed.isEmpty {
            // Other connections toward the same destinations: their holders are the likely clients.
            var others: [Destination: (count: Int, pids: Set<Int32>)] = [:]
            for socket in sockets where socket.state != .timeWait {
                let key = Destination(netns: socket.netns, local: socket.local.address, remote: socket.remote)
                guard pressed[key] != nil else { continue }
                inPlace(&others[key, default: (0, [])]) { entry in
                    entry.count += 1
                    for owner in input.snapshot.owners(of: socket) { entry.pids.insert(owner.pid) }
                }
            }
            let peers = LocalPeerIndex(input, states: [])
            for (key, count) in pressed.sorted(by: {
                $0.value != $1.value ? $0.value > $1.value : $0.key.remote < $1.key.remote
            }) {
                let (portRange, assumed) = range(key.netns)
                let other = others[key] ?? (0, [])
                var finding = clientFinding(
                    key,
                    count: count,
                    range: portRange,
                    assumed: assumed,
                    others: other,
                    input: input
                )
                if let server = LocalServer(
                    key.remote,
                    from: key.netns,
                    peers: peers,
                    listeners: listeners,
                    input: input
                ) {
                    server.name(in: &finding, input: input)
                }
                findings.append(finding)
            }
        }
        let serverWarning = input.thresholds[.timeWaitServerWarning]
        for (key, peers) in servers.sorted(by: { $0.key.port < $1.key.port }) {
            let count = peers.values.reduce(0, +)
            guard Double(count) >= serverWarning else { continue }
            findings.append(serverFinding(key, count: count, peers: peers, listeners: listeners, input: input))
        }
        return findings
    }

    /// Why and what not to do, for both sides: the folklore corrected.
    static let folklore =
        "TIME_WAIT lasts 60 s on Linux whatever net.ipv4.tcp_fin_timeout says (that setting bounds orphaned FIN_WAIT2 only). net.ipv4.tcp_tw_recycle, still recommended in old advice, broke clients behind NAT and was removed in Linux 4.12."

    private func clientFinding(
        _ key: Destination,
        count: Int,
        range: ClosedRange<Int>,
        assumed: Bool,
        others: (count: Int, pids: Set<Int32>),
        input: DiagnosisInput
    ) -> Finding {
        let share = Double(count) / Double(range.count)
        let facts = input.facts(key.netns)
        let reuse = facts?.integer("net.ipv4.tcp_tw_reuse")
        let reuseApplies = reuse == 1 || (reuse == 2 && key.remote.address.isLoopback)
        var severity: Finding.Severity =
            share >= input.thresholds[.timeWaitPortShareCritical] ? .critical : .warning
        if reuseApplies { severity = .warning }
        let clients = input.findingProcesses(others.pids)
        let records = input.tcpProcesses(others.pids)
        let rangeText = "\(range.lowerBound)-\(range.upperBound)"
        var evidence: [EvidenceField] = [
            EvidenceField("destination", .text(key.remote.description)),
            EvidenceField("local_address", .text("\(key.local)")),
            EvidenceField("port_range", .text(rangeText)),
            EvidenceField("port_range_size", .integer(Int64(range.count))),
            EvidenceField("port_share", shareValue(share)),
        ]
        if assumed { evidence.append(EvidenceField("port_range_assumed", .boolean(true))) }
        evidence.append(EvidenceField("other_connections", .integer(Int64(others.count))))
        evidence.append(
            EvidenceField("ports_in_use_share", shareValue(Double(count + others.count) / Double(range.count)))
        )
        evidence.append(EvidenceField("new_connections_per_second_max", .integer(Int64(range.count / 60))))
        if !clients.isEmpty {
            evidence.append(EvidenceField("likely_clients", .list(clients.map { .text(describe($0)) })))
        }
        if let runtime = runtimeEvidence(records) { evidence.append(runtime) }
        if let settings = KernelSetting.evidence(
            [
                "net.ipv4.ip_local_port_range", "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_max_tw_buckets",
                "net.ipv4.tcp_fin_timeout",
            ],
            facts: facts
        ) {
            evidence.append(settings)
        }
        var why = [
            "TIME_WAIT stays on the side that closed first: here this host closes its connections toward \(key.remote) first. TIME_WAIT sockets have no owner (no fd)\(clients.isEmpty ? "" : "; the processes holding other connections toward \(key.remote) are the likely clients")."
        ]
        why.append(
            "Each keeps its 4-tuple for 60 s, so toward one destination every TIME_WAIT holds one of the \(range.count) ephemeral ports of ip_local_port_range (\(rangeText)\(assumed ? ", Linux's default, assumed" : "")): about \(range.count / 60) new connections a second is the most it sustains, and when the ports run out connect() fails with EADDRNOTAVAIL (\"Cannot assign requested address\")."
        )
        if reuseApplies {
            why.append(
                "net.ipv4.tcp_tw_reuse=\(reuse ?? 0) lets new connections toward it take over TIME_WAIT ports when TCP timestamps make it safe, which eases the risk; the churn remains."
            )
        }
        why.append(Self.folklore)
        var remedies = RemedyCatalog.remedies(
            for: .connectionReuse,
            processes: records,
            unknownOwner: "TIME_WAIT has no owner and no other connection names the client, so this advice is generic."
        )
        if !reuseApplies {
            remedies.append(
                "On this client, net.ipv4.tcp_tw_reuse=1 lets new outgoing connections take over TIME_WAIT ports safely (TCP timestamps, net.ipv4.tcp_timestamps, must be on)."
            )
        }
        remedies.append(
            "Widen net.ipv4.ip_local_port_range (keeping clear of ports local services listen on), or spread connections over more destination addresses or ports."
        )
        remedies.append(
            "Do not reach for tcp_tw_recycle (removed in Linux 4.12), a lower tcp_fin_timeout (it does not shorten TIME_WAIT), or SO_LINGER with a zero timeout (it replaces the FIN with an RST and can lose data)."
        )
        let likely = clients.isEmpty ? "" : " (likely client: \(describe(clients)))"
        return Finding(
            rule: id,
            severity: severity,
            summary:
                "\(counted(count, "TIME_WAIT socket")) toward \(key.remote) hold \(percent(share)) of the ephemeral port range\(likely): this side closes first, and connect() risks EADDRNOTAVAIL",
            processes: clients,
            netns: input.findingNamespace(key.netns),
            size: Int64(count),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: remedies,
            id: input.findingID(id, subject: nil, place: "\(key.local)->\(key.remote)", netns: key.netns),
            place: "\(key.local)->\(key.remote)"
        )
    }

    private func serverFinding(
        _ key: ServerPort,
        count: Int,
        peers: [IPAddress: Int],
        listeners: ListenerIndex,
        input: DiagnosisInput
    ) -> Finding {
        let pids = listeners.ownerPIDs(netns: key.netns, port: key.port, in: input.snapshot)
        let processes = input.findingProcesses(pids)
        let records = input.tcpProcesses(pids)
        let facts = input.facts(key.netns)
        var evidence: [EvidenceField] = [
            EvidenceField("local_port", .integer(Int64(key.port))),
            EvidenceField("distinct_peers", .integer(Int64(peers.count))),
            topPeersEvidence(peers),
        ]
        if let tw = facts?.sockstat["tw"] { evidence.append(EvidenceField("namespace_time_wait", .integer(tw))) }
        if let runtime = runtimeEvidence(records) { evidence.append(runtime) }
        if let settings = KernelSetting.evidence(
            ["net.ipv4.tcp_max_tw_buckets", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_tw_reuse"],
            facts: facts
        ) {
            evidence.append(settings)
        }
        let server = processes.isEmpty ? "the server" : describe(processes)
        let why = [
            "TIME_WAIT stays on the side that closed first; on a listening port it means the server closes first (HTTP/1.0 style, `Connection: close`, or an idle timeout shorter than the clients'). TIME_WAIT sockets have no owner: the server is named from the listener on :\(key.port).",
            "On the server it costs no fd and little memory and uses no ephemeral ports; it matters near net.ipv4.tcp_max_tw_buckets, beyond which the kernel drops new TIME_WAIT sockets at once, and it means the clients pay a new handshake for every request.",
            Self.folklore,
        ]
        var remedies = RemedyCatalog.remedies(for: .serverClosesFirst, processes: records)
        remedies.append("tcp_tw_reuse does not help here: it applies to outgoing connections only.")
        return Finding(
            rule: id,
            severity: .warning,
            summary:
                "\(server) closes connections first on port :\(key.port): \(counted(count, "TIME_WAIT socket")) from \(counted(peers.count, "peer"))",
            processes: processes,
            netns: input.findingNamespace(key.netns),
            size: Int64(count),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: remedies,
            id: Self.serverID(port: key.port, netns: key.netns, input: input),
            place: "\(key.port)"
        )
    }

    /// The id of the finding about TIME_WAIT on listening port `port`: `time-wait/server/8000`.
    static func serverID(port: UInt16, netns: UInt64, input: DiagnosisInput) -> String {
        input.findingID("time-wait", subject: "server", place: "\(port)", netns: netns)
    }
}
