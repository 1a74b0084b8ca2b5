/// Finds LAST_ACK piles: FINs sent after the peer's that the peer never acknowledges.
///
/// LAST_ACK is the passive closer's last state: it was in CLOSE_WAIT and finally closed. A pile
/// means the path or the peer no longer answers, often because a firewall or NAT dropped the
/// connection's state during a long CLOSE_WAIT. Most are orphans (inode 0) retransmitted until
/// `net.ipv4.tcp_orphan_retries` runs out. Grouping follows `PeerTarget`.
///
/// Threshold: `last-ack.warning` LAST_ACK sockets per peer or port.
public struct LastAckRule: DiagnosisRule {
    public let id = "last-ack"
    public let summary = "LAST_ACK piles: FINs the peers never acknowledge (peers gone, or state dropped on the path)"

    public init() {}

    private struct Tally {
        var count = 0
        var orphaned = 0
        var retransmitsMax: UInt8 = 0
        var pids: Set<Int32> = []
        var spread = PeerSpread()
    }

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        let snapshot = input.snapshot
        let listeners = input.indexes.listeners(snapshot)
        var tallies: [PeerGroupKey: Tally] = [:]
        for socket in snapshot.sockets where socket.state == .lastAck {
            let target = listeners.target(of: socket)
            inPlace(&tallies[PeerGroupKey(netns: socket.netns, target: target), default: Tally()]) { tally in
                tally.count += 1
                if socket.inode == 0 { tally.orphaned += 1 }
                tally.retransmitsMax = max(tally.retransmitsMax, socket.timer?.retransmits ?? 0)
                for owner in snapshot.owners(of: socket) { tally.pids.insert(owner.pid) }
                tally.spread.add(socket, toward: target)
            }
        }
        let warning = input.thresholds[.lastAckWarning]
        return
            tallies
            .filter { Double($0.value.count) >= warning }
            .sorted { $0.value.count > $1.value.count }
            .map { finding($0.key, $0.value, listeners: listeners, input: input) }
    }

    private func finding(
        _ key: PeerGroupKey,
        _ tally: Tally,
        listeners: ListenerIndex,
        input: DiagnosisInput
    ) -> Finding {
        let facts = input.facts(key.netns)
        var pids = tally.pids
        let target = tally.spread.describe(key.target)
        let (peer, place) = (target.peer, target.place)
        var evidence: [EvidenceField] = [target.locator]
        if let topPeers = target.topPeers { evidence.append(topPeers) }
        if let port = target.listeningPort, pids.isEmpty {
            pids = Set(listeners.ownerPIDs(netns: key.netns, port: port, in: input.snapshot))
        }
        evidence.append(EvidenceField("orphaned", .integer(Int64(tally.orphaned))))
        evidence.append(EvidenceField("retransmits_max", .integer(Int64(tally.retransmitsMax))))
        if let settings = KernelSetting.evidence(["net.ipv4.tcp_orphan_retries"], facts: facts) {
            evidence.append(settings)
        }
        let processes = input.findingProcesses(pids)
        let who = processes.isEmpty ? "" : "\(describe(processes)): "
        let why = [
            "LAST_ACK is the passive closer's last state: this side was in CLOSE_WAIT, finally called close(), and its FIN waits for the peer's acknowledgement.",
            "A pile means those FINs go unanswered: the peer host is gone, or a firewall or NAT on the path dropped the connection's state (often during a long CLOSE_WAIT) and now drops its packets.",
            "Orphaned LAST_ACK sockets (no fd) are retransmitted until net.ipv4.tcp_orphan_retries runs out and cost little; a burst of them right after a CLOSE_WAIT pile is that leak being closed late.",
        ]
        return Finding(
            rule: id,
            severity: .warning,
            summary:
                "\(who)\(counted(tally.count, "LAST_ACK socket")) \(place) wait for acknowledgements that do not come",
            processes: processes,
            netns: input.findingNamespace(key.netns),
            size: Int64(tally.count),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: [
                "Check the path to \(peer): is the host up, and does a firewall or NAT drop the state of idle connections (an idle timeout shorter than how long connections stay idle)?",
                "Close sooner: a FIN sent right after the peer's still finds the path's state; one sent after a long CLOSE_WAIT often does not (see close-wait-leak).",
                "The sockets end by themselves after their retransmissions (net.ipv4.tcp_orphan_retries for orphans).",
            ]
        )
    }
}
