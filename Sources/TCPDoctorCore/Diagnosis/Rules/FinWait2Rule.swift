/// Finds FIN_WAIT2 piles: this side closed, the peer acknowledged and never closed its own side.
///
/// The bug is on the peer, which sits in CLOSE_WAIT, so the finding names the peer's address
/// and port. It tells apart orphaned sockets (inode 0: closed by their application, ended by
/// the kernel after `net.ipv4.tcp_fin_timeout`) from half-closed sockets still held by a process
/// after shutdown(SHUT_WR), which no timer ends. Grouping follows `PeerTarget`: by listening
/// port on a server (its peers are clients), by peer address on a client.
///
/// When the peer is on this host (`LocalPeerIndex`), there is no other host to run tcpdoctor on:
/// the finding names the local process that holds the other ends in CLOSE_WAIT, says to fix it,
/// and links to its close-wait-leak finding (`related`).
///
/// Threshold: `fin-wait2.warning` FIN_WAIT2 sockets per peer or port.
public struct FinWait2Rule: DiagnosisRule {
    public let id = "fin-wait2"
    public let summary = "FIN_WAIT2 piles: peers that never close their side (they leak CLOSE_WAIT)"

    public init() {}

    private struct Tally {
        var orphaned = 0
        var heldUnknown = 0
        var held: [Int32: Int] = [:]
        var spread = PeerSpread()
        /// Where the sockets are in `Snapshot.sockets`, to find their other ends on this host.
        var indexes: [Int] = []
        var count: Int { orphaned + heldUnknown + held.values.reduce(0, +) }
    }

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        let snapshot = input.snapshot
        let listeners = input.indexes.listeners(snapshot)
        var tallies: [PeerGroupKey: Tally] = [:]
        for (index, socket) in snapshot.sockets.enumerated() where socket.state == .finWait2 {
            let target = listeners.target(of: socket)
            inPlace(&tallies[PeerGroupKey(netns: socket.netns, target: target), default: Tally()]) { tally in
                tally.spread.add(socket, toward: target)
                tally.indexes.append(index)
                if socket.inode == 0 {
                    tally.orphaned += 1
                } else if let first = snapshot.owners(of: socket).first {
                    tally.held[first.pid, default: 0] += 1
                } else {
                    tally.heldUnknown += 1
                }
            }
        }
        let warning = input.thresholds[.finWait2Warning]
        let reported = tallies.filter { Double($0.value.count) >= warning }
        guard !reported.isEmpty else { return [] }
        let peers = LocalPeerIndex(input, states: [.closeWait], asking: .finWait2)
        return
            reported
            .sorted { $0.value.count > $1.value.count }
            .map { key, tally in
                var local = LocalPeerTally()
                for index in tally.indexes {
                    local.add(snapshot.sockets[index], index: peers, listeners: listeners, snapshot: snapshot)
                }
                return finding(key, tally, local: local, listeners: listeners, input: input)
            }
    }

    /// `Fix pid 4121 (server) on this host, which holds ...`: the remedy when the peers are local.
    private static func fixLocalPeer(_ local: LocalPeerTally, count: Int, input: DiagnosisInput) -> String {
        let processes = local.processes(input)
        let who =
            processes.isEmpty
            ? "the holder of the other ends on this host (\(local.describeHolders(input)))"
            : sentenceList(processes.map { "pid \($0.pid) (\($0.command))" }) + " on this host"
        let some = local.remote > 0 ? " of \(count - local.remote) of these connections" : ""
        return
            "Fix \(who), which \(processes.count > 1 ? "hold" : "holds") CLOSE_WAIT on the other end\(some)"
            + local.relatedIDs("close-wait-leak", input: input, withHolder: true).map(FindingLinks.seeAlso).joined()
            + ": its close-wait-leak finding names the change."
    }

    private func finding(
        _ key: PeerGroupKey,
        _ tally: Tally,
        local: LocalPeerTally,
        listeners: ListenerIndex,
        input: DiagnosisInput
    ) -> Finding {
        let facts = input.facts(key.netns)
        let finTimeout = facts?.integer("net.ipv4.tcp_fin_timeout")
        let heldCount = tally.held.values.reduce(0, +) + tally.heldUnknown
        let holders = input.findingProcesses(tally.held.keys)
        var evidence: [EvidenceField] = [
            EvidenceField("orphaned", .integer(Int64(tally.orphaned))),
            EvidenceField("held_by_process", .integer(Int64(heldCount))),
        ]
        let target = tally.spread.describe(key.target)
        let (peer, place) = (target.peer, target.place)
        let onePeer = target.listeningPort == nil || tally.spread.peers.count == 1
        var processes = holders
        evidence.insert(target.locator, at: 1)
        if let topPeers = target.topPeers { evidence.append(topPeers) }
        if let port = target.listeningPort, processes.isEmpty {
            processes = input.findingProcesses(listeners.ownerPIDs(netns: key.netns, port: port, in: input.snapshot))
        }
        if !tally.held.isEmpty {
            evidence.append(
                EvidenceField(
                    "holders",
                    .list(
                        tally.held.sorted { $0.key < $1.key }.map {
                            .object([
                                EvidenceField("pid", .integer(Int64($0.key))),
                                EvidenceField("count", .integer(Int64($0.value))),
                            ])
                        }
                    )
                )
            )
        }
        if let settings = KernelSetting.evidence(["net.ipv4.tcp_fin_timeout"], facts: facts) {
            evidence.append(settings)
        }
        var parts: [String] = []
        let timeoutText = finTimeout.map { "tcp_fin_timeout=\($0) s" } ?? "tcp_fin_timeout"
        if tally.orphaned > 0 { parts.append("\(tally.orphaned) orphaned, ended within \(timeoutText)") }
        if !holders.isEmpty {
            parts.append("\(tally.held.values.reduce(0, +)) held by \(describe(holders)) with no timer")
        }
        if tally.heldUnknown > 0 { parts.append("\(tally.heldUnknown) held by an unseen process") }
        let localPeer = local.isEmpty ? "" : ", \(local.describeHolders(input)) on this host,"
        var why = [
            "FIN_WAIT2 means this side closed (or shut down writing) and the peer acknowledged the FIN but has not closed its own side: \(onePeer ? "the peer \(peer)\(localPeer) is" : "the peers (\(peer))\(localPeer) are") in CLOSE_WAIT, and that is the bug to fix, on the peer."
        ]
        if tally.orphaned > 0 {
            why.append(
                "Orphaned FIN_WAIT2 sockets (their application has closed them; no fd) are ended by the kernel after net.ipv4.tcp_fin_timeout (\(finTimeout.map { "\($0) s" } ?? "60 s by default")) and cost little; that is all tcp_fin_timeout governs."
            )
        }
        if heldCount > 0 {
            why.append(
                "Sockets still held by a process after shutdown(SHUT_WR) have no timer: they wait as long as the peer does, each holding an fd."
            )
        }
        if tally.heldUnknown > 0 { why.append(input.missingOwnersReason) }
        if !local.isEmpty { evidence.append(local.evidence(input)) }
        let localProcesses = local.processes(input)
        let culprit =
            localProcesses.isEmpty
            ? (onePeer ? "the peer leaks" : "the peers leak")
            : "\(describe(localProcesses)) on this host \(localProcesses.count > 1 ? "leak" : "leaks")"
        var remedies: [String] = []
        if !local.isEmpty { remedies.append(Self.fixLocalPeer(local, count: tally.count, input: input)) }
        if local.isEmpty || local.remote > 0 {
            remedies.append(
                "Fix the peer: run tcpdoctor on the host of \(peer); its close-wait-leak finding names the process and the change."
            )
        }
        if heldCount > 0 {
            remedies += RemedyCatalog.remedies(for: .halfClosed, processes: input.tcpProcesses(tally.held.keys))
        }
        if tally.orphaned > 0 {
            remedies.append(
                "Lowering net.ipv4.tcp_fin_timeout frees orphaned FIN_WAIT2 sooner but fixes nothing on the peer, and does not change TIME_WAIT."
            )
        }
        return Finding(
            rule: id,
            severity: .warning,
            summary:
                "\(counted(tally.count, "FIN_WAIT2 socket")) \(place) wait for a FIN that does not come (\(parts.joined(separator: "; "))): \(culprit) CLOSE_WAIT",
            processes: processes,
            netns: input.findingNamespace(key.netns),
            size: Int64(tally.count),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: remedies,
            id: input.findingID(id, subject: nil, place: FindingID.place(key.target), netns: key.netns),
            place: FindingID.place(key.target),
            related: local.relatedIDs("close-wait-leak", input: input, withHolder: true)
        )
    }
}
