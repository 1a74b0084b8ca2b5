/// Finds listeners whose accept queue or SYN queue is full or filling.
///
/// For a listener, Recv-Q is the accept queue (connections the handshake completed and the
/// application has not accept()ed) and Send-Q the backlog; Linux drops the next connection once
/// the queue exceeds it (TcpExt.ListenOverflows). Half-open connections (SYN_RECV) on the same
/// port are bounded by the backlog too. Listeners sharing a port (SO_REUSEPORT, IPv4 and IPv6)
/// make one finding, judged by the fullest. The SNMP counters are cumulative since boot for the
/// whole namespace: quoted as evidence, never judged, since one snapshot gives no rate.
///
/// Thresholds: `listen-backlog.fill-warning`, the share of the backlog in use (accept queue or
/// SYN_RECV) before a warning; a full accept queue is critical.
public struct ListenBacklogRule: DiagnosisRule {
    public let id = "listen-backlog"
    public let summary = "listeners whose accept queue (or SYN queue) is full or filling"

    public init() {}

    private struct Port: Hashable {
        var netns: UInt64
        var port: UInt16
    }

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        var listeners: [Port: [SocketRecord]] = [:]
        var halfOpen: [Port: Int] = [:]
        for socket in input.snapshot.sockets {
            switch socket.state {
            case .listen: listeners[Port(netns: socket.netns, port: socket.local.port), default: []].append(socket)
            case .synReceived, .newSynReceived:
                halfOpen[Port(netns: socket.netns, port: socket.local.port), default: 0] += 1
            default: break
            }
        }
        let warning = input.thresholds[.listenBacklogFillWarning]
        var findings: [Finding] = []
        for (port, sockets) in listeners.sorted(by: { ($0.key.netns, $0.key.port) < ($1.key.netns, $1.key.port) }) {
            let fullest = sockets.max { fill($0) < fill($1) } ?? sockets[0]
            let backlog = sockets.map(\.sendQ).max() ?? 0
            let synRecv = halfOpen[port] ?? 0
            let synFill = backlog > 0 ? Double(synRecv) / Double(backlog) : 0
            let full = fullest.sendQ > 0 && fullest.recvQ >= fullest.sendQ
            guard full || fill(fullest) >= warning || (synRecv > 0 && synFill >= warning) else { continue }
            findings.append(
                finding(port, sockets, fullest: fullest, full: full, synRecv: synRecv, synFill: synFill, input: input)
            )
        }
        return findings
    }

    /// The accept queue's share of the backlog; 0 when the backlog is unknown (0).
    ///
    /// `/proc/net/tcp` reports a listener's backlog as 0 (its `tx_queue` column), so the
    /// fallback source cannot tell a full queue; better quiet than a false alarm.
    private func fill(_ listener: SocketRecord) -> Double {
        listener.sendQ == 0 ? 0 : Double(listener.recvQ) / Double(listener.sendQ)
    }

    private func finding(
        _ port: Port,
        _ sockets: [SocketRecord],
        fullest: SocketRecord,
        full: Bool,
        synRecv: Int,
        synFill: Double,
        input: DiagnosisInput
    ) -> Finding {
        let pids = sockets.flatMap { input.snapshot.owners(of: $0).map(\.pid) }
        let processes = input.findingProcesses(pids)
        let records = input.tcpProcesses(pids)
        let facts = input.facts(port.netns)
        let acceptFill = fill(fullest)
        let server = processes.isEmpty ? "the listener" : describe(processes)
        var evidence: [EvidenceField] = [
            EvidenceField("local_port", .integer(Int64(port.port))),
            EvidenceField("accept_queue", .integer(Int64(fullest.recvQ))),
            EvidenceField("backlog", .integer(Int64(fullest.sendQ))),
            EvidenceField("accept_queue_share", shareValue(acceptFill)),
            EvidenceField("syn_recv", .integer(Int64(synRecv))),
        ]
        if sockets.count > 1 {
            evidence.append(
                EvidenceField(
                    "listeners",
                    .list(
                        sockets.map {
                            .object([
                                EvidenceField("local", .text($0.local.description)),
                                EvidenceField("accept_queue", .integer(Int64($0.recvQ))),
                                EvidenceField("backlog", .integer(Int64($0.sendQ))),
                            ])
                        }
                    )
                )
            )
        }
        let somaxconn = facts?.integer("net.core.somaxconn")
        let capped = somaxconn.map { Int64(fullest.sendQ) == $0 } ?? false
        if capped { evidence.append(EvidenceField("backlog_capped_by_somaxconn", .boolean(true))) }
        let counters = [
            ("TcpExt.ListenOverflows", "listen_overflows_since_boot"),
            ("TcpExt.ListenDrops", "listen_drops_since_boot"),
            ("TcpExt.SyncookiesSent", "syncookies_sent_since_boot"),
            ("TcpExt.SyncookiesRecv", "syncookies_recv_since_boot"),
            ("TcpExt.SyncookiesFailed", "syncookies_failed_since_boot"),
        ]
        for (name, key) in counters {
            if let value = facts?.counters[name] { evidence.append(EvidenceField(key, .integer(value))) }
        }
        if let runtime = runtimeEvidence(records) { evidence.append(runtime) }
        if let settings = KernelSetting.evidence(
            ["net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_syncookies"],
            facts: facts
        ) {
            evidence.append(settings)
        }
        let acceptText = "\(fullest.recvQ) of \(fullest.sendQ)"
        let summary: String
        if full {
            summary =
                "the accept queue of \(server) on :\(port.port) is full (\(acceptText)): new connections are dropped"
        } else if acceptFill >= input.thresholds[.listenBacklogFillWarning] {
            summary = "the accept queue of \(server) on :\(port.port) is \(percent(acceptFill)) full (\(acceptText))"
        } else {
            summary =
                "\(server) on :\(port.port) has \(counted(synRecv, "half-open connection")) (SYN_RECV) for a backlog of \(fullest.sendQ)"
        }
        var why = [
            "A listener's Recv-Q is its accept queue: connections whose handshake completed and that the application has not accept()ed yet; Send-Q is the backlog. When the queue is over the backlog the kernel drops the handshake's last ACK (TcpExt.ListenOverflows, ListenDrops) and clients retry or time out: the application does not accept fast enough."
        ]
        if capped, let somaxconn {
            why.append(
                "The backlog equals net.core.somaxconn (\(somaxconn)), which caps whatever the application asked for."
            )
        }
        if synRecv > 0 {
            why.append(
                "SYN_RECV entries are half-open connections waiting for the client's ACK; many of them mean clients that do not complete the handshake (a SYN flood, a path that drops the ACK), or a full accept queue."
            )
        }
        why.append(
            "Under a SYN flood with net.ipv4.tcp_syncookies=1 the kernel answers with cookies and keeps no SYN_RECV entry, so a flood can leave none behind; the Syncookies counters show it. Those counters and ListenOverflows are cumulative since boot for the whole namespace: a snapshot cannot give a rate, so compare two runs."
        )
        var remedies = RemedyCatalog.remedies(for: .acceptQueue, processes: records)
        if facts?.integer("net.ipv4.tcp_syncookies") == 0 && synRecv > 0 {
            remedies.append(
                "net.ipv4.tcp_syncookies is 0: set it to 1, so that a full SYN queue answers with cookies instead of dropping SYNs."
            )
        }
        if synRecv > 0 {
            remedies.append(
                "If the half-open connections come from real clients, check the path for a firewall or asymmetric routing that eats the final ACK; raise net.ipv4.tcp_max_syn_backlog and the backlog only for legitimate bursts."
            )
        }
        return Finding(
            rule: id,
            severity: full ? .critical : .warning,
            summary: summary,
            processes: processes,
            netns: input.findingNamespace(port.netns),
            size: acceptFill >= synFill ? Int64(fullest.recvQ) : Int64(synRecv),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: remedies
        )
    }
}
