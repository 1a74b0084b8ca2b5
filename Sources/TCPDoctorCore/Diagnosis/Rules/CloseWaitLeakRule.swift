/// Finds processes that leak CLOSE_WAIT sockets: the peer closed, the application never did.
///
/// Sockets are grouped by namespace, owning process and the target that names the culprit best
/// (`PeerTarget`): on a server (the local port is a listener's) by the listening port, because
/// its peers are many clients on random ports; on a client by the peer's address, with the
/// peer's port when it is always the same. A socket held by several processes counts for each.
/// CLOSE_WAIT always has an owner (no kernel timer ends it), except connections that wait in an
/// accept queue (inode 0: closed by the client before accept()) and sockets whose holder could
/// not be read, which are reported as such.
///
/// When the other ends are on this host (a local client or server, in FIN_WAIT2), the finding
/// names their holders and links to the FIN_WAIT2 finding about them (`related`).
///
/// Thresholds: `close-wait.warning` and `close-wait.critical` sockets per group;
/// `close-wait.fd-share-critical`, the share of the process's open-file soft limit taken by all
/// its CLOSE_WAIT sockets, also makes a group critical.
public struct CloseWaitLeakRule: DiagnosisRule {
    public let id = "close-wait-leak"
    public let summary = "CLOSE_WAIT sockets piling up in a process that never closes them after the peer's FIN"

    public init() {}

    private enum Holder: Hashable, Comparable {
        case process(Int32)
        /// A socket with a file but no visible holder.
        case unknown
        /// A connection in an accept queue, closed by its client before accept().
        case notAccepted

        /// The holder in the finding's id: the pid, `unknown` or `not-accepted`.
        var subject: String {
            switch self {
            case .process(let pid): "\(pid)"
            case .unknown: "unknown"
            case .notAccepted: "not-accepted"
            }
        }
    }

    private struct Key: Hashable {
        var netns: UInt64
        var holder: Holder
        var target: PeerTarget
    }

    private struct Tally {
        var recvQ = RecvQTally()
        var ages: [UInt32] = []
        var spread = PeerSpread()
        /// Where the sockets are in `Snapshot.sockets`, to find their other ends on this host.
        var indexes: [Int] = []

        mutating func add(_ socket: SocketRecord, at index: Int, toward target: PeerTarget) {
            indexes.append(index)
            recvQ.add(socket.recvQ)
            if let info = socket.tcpInfo { ages.append(info.lastDataReceivedMilliseconds) }
            spread.add(socket, toward: target)
        }
    }

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        let snapshot = input.snapshot
        let listeners = input.indexes.listeners(snapshot)
        var tallies: [Key: Tally] = [:]
        var perProcess: [Int32: Int] = [:]
        for (index, socket) in snapshot.sockets.enumerated() where socket.state == .closeWait {
            let target = listeners.target(of: socket)
            var holders: [Holder] = []
            var previous: Int32?
            for owner in snapshot.owners(of: socket) where owner.pid != previous {
                previous = owner.pid
                holders.append(.process(owner.pid))
                perProcess[owner.pid, default: 0] += 1
            }
            if holders.isEmpty {
                let queued = socket.inode == 0 && target == .listeningPort(socket.local.port)
                holders = [queued ? .notAccepted : .unknown]
            }
            for holder in holders {
                let key = Key(netns: socket.netns, holder: holder, target: target)
                tallies[key, default: Tally()].add(socket, at: index, toward: target)
            }
        }
        let warning = input.thresholds[.closeWaitWarning]
        let reported = tallies.filter { Double($0.value.recvQ.count) >= warning }
        guard !reported.isEmpty else { return [] }
        // The other end of a CLOSE_WAIT socket is in FIN_WAIT2 (FIN_WAIT1 until the FIN is acked).
        let peers = LocalPeerIndex(input, states: [.finWait2, .finWait1], asking: .closeWait)
        return
            reported
            .sorted {
                $0.value.recvQ.count != $1.value.recvQ.count
                    ? $0.value.recvQ.count > $1.value.recvQ.count : $0.key.holder < $1.key.holder
            }
            .map { key, tally in
                var local = LocalPeerTally()
                for index in tally.indexes {
                    local.add(snapshot.sockets[index], index: peers, listeners: listeners, snapshot: snapshot)
                }
                var finding = finding(key, tally, perProcess: perProcess, listeners: listeners, input: input)
                finding.id = input.findingID(id, subject: key.holder.subject, place: finding.place, netns: key.netns)
                if !local.isEmpty { Self.name(local, in: &finding, input: input) }
                return finding
            }
    }

    /// Names the other ends on this host in `finding`: evidence, a sentence of why and the links.
    private static func name(_ local: LocalPeerTally, in finding: inout Finding, input: DiagnosisInput) {
        finding.evidence.append(local.evidence(input))
        finding.related = local.relatedIDs("fin-wait2", input: input, withHolder: false)
        let holders = local.describeHolders(input)
        // No remedy: the fix is in this finding's own process; the other ends only wait for it.
        finding.why += " The other ends are on this host, in FIN_WAIT2: \(holders); they wait for this side's close()."
    }

    private func finding(
        _ key: Key,
        _ tally: Tally,
        perProcess: [Int32: Int],
        listeners: ListenerIndex,
        input: DiagnosisInput
    ) -> Finding {
        let count = tally.recvQ.count
        var evidence: [EvidenceField] = []
        let place: String
        switch key.target {
        case .listeningPort(let port):
            place = "on its listening port :\(port) (\(counted(tally.spread.peers.count, "peer")))"
            evidence.append(EvidenceField("local_port", .integer(Int64(port))))
            evidence.append(EvidenceField("distinct_peers", .integer(Int64(tally.spread.peers.count))))
            evidence.append(topPeersEvidence(tally.spread.peers))
        case .peer(let address):
            place = "toward \(tally.spread.ports.describe(address))"
            evidence.append(EvidenceField("peer", .text(tally.spread.ports.describe(address))))
        }
        evidence += tally.recvQ.evidence
        var why: [String] = []
        if case .listeningPort(let port) = key.target {
            why.append("Grouped by the listening port :\(port), since the peers are clients on varying ports.")
        }
        let ages = tally.ages.sorted()
        if let oldest = ages.last {
            evidence.append(EvidenceField("oldest_age_seconds_estimate", .integer(Int64(oldest / 1000))))
            evidence.append(EvidenceField("median_age_seconds_estimate", .integer(Int64(ages[ages.count / 2] / 1000))))
            why.append(
                "The oldest peer last sent data about \(duration(seconds: Int64(oldest / 1000))) ago: an estimate from tcp_info's time since data was last received, and an upper bound on the time in CLOSE_WAIT, since the FIN came at or after the last data."
            )
        }
        let threshold = input.thresholds
        var severity: Finding.Severity = Double(count) >= threshold[.closeWaitCritical] ? .critical : .warning
        let settings = KernelSetting.evidence(
            ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"],
            facts: input.facts(key.netns)
        )
        let keepalive =
            "Keepalive does not fix it: a CLOSE_WAIT socket with SO_KEEPALIVE is reset once its probes go unanswered, which removes it from netstat and ss, but its fd stays leaked (see dead-socket-fds)."
        switch key.holder {
        case .process(let pid):
            let process = input.findingProcess(pid)
            let record = input.culprit(pid)
            let total = perProcess[pid] ?? count
            if total != count { evidence.append(EvidenceField("process_close_wait", .integer(Int64(total)))) }
            why.insert(
                "CLOSE_WAIT means the peer closed its side and \(describe(process)) has not closed its own. No kernel timer ends it; only the application's close() does. "
                    + tally.recvQ.explanation,
                at: 0
            )
            if let record, let limit = record.fileLimitSoft, limit > 0 {
                let share = Double(total) / Double(limit)
                evidence.append(EvidenceField("open_files", .integer(Int64(record.openFiles))))
                evidence.append(EvidenceField("fd_limit_soft", .integer(Int64(clamping: limit))))
                evidence.append(EvidenceField("fd_limit_share", shareValue(share)))
                if share >= threshold[.closeWaitFdShareCritical] { severity = .critical }
                why.append(
                    "Each holds a file descriptor: the process's \(counted(total, "CLOSE_WAIT socket")) take \(percent(share)) of its open-file soft limit (\(limit)); at the limit, accept() and socket() fail with EMFILE (\"Too many open files\")."
                )
            }
            why.append(keepalive)
            if let runtime = runtimeEvidence(record.map { [$0] } ?? []) { evidence.append(runtime) }
            if let settings { evidence.append(settings) }
            return Finding(
                rule: id,
                severity: severity,
                summary:
                    "\(describe(process)) leaks \(counted(count, "CLOSE_WAIT socket")) \(place): \(tally.recvQ.shortDiagnosis)",
                processes: [process],
                netns: input.findingNamespace(key.netns),
                size: Int64(count),
                evidence: evidence,
                why: why.joined(separator: " "),
                remedies: RemedyCatalog.remedies(
                    for: .closeWait,
                    processes: record.map { [$0] } ?? [],
                    symptom: [tally.recvQ.remedy],
                    unknownOwner: "Pid \(pid) could not be read (it may have exited), so this advice is generic."
                ),
                place: FindingID.place(key.target)
            )
        case .unknown, .notAccepted:
            var pids: [Int32] = []
            if case .listeningPort(let port) = key.target {
                pids = listeners.ownerPIDs(netns: key.netns, port: port, in: input.snapshot)
            }
            let processes = input.findingProcesses(pids)
            let listener = processes.isEmpty ? "" : " (listener: \(describe(processes)))"
            let summary: String
            if key.holder == .notAccepted {
                summary =
                    "\(counted(count, "connection")) \(place)\(listener) were closed by their clients before accept()"
                why.insert(
                    "These CLOSE_WAIT sockets have no file yet: they wait in the listener's accept queue and their clients have already given up and closed. The application does not call accept() fast enough, or at all (see listen-backlog).",
                    at: 0
                )
            } else {
                summary =
                    "\(counted(count, "CLOSE_WAIT socket")) \(place)\(listener) have no visible owner: \(tally.recvQ.shortDiagnosis)"
                why.insert(
                    "CLOSE_WAIT means the peer closed and the application holding the socket has not. \(tally.recvQ.explanation) Its holder could not be seen: \(input.missingOwnersReason)",
                    at: 0
                )
                why.append(keepalive)
            }
            if let settings, key.holder == .unknown { evidence.append(settings) }
            let processRecords = input.tcpProcesses(pids)
            let remedies =
                key.holder == .notAccepted
                ? RemedyCatalog.remedies(for: .acceptQueue, processes: processRecords)
                : RemedyCatalog.remedies(for: .closeWait, processes: processRecords, symptom: [tally.recvQ.remedy])
            return Finding(
                rule: id,
                severity: severity,
                summary: summary,
                processes: processes,
                netns: input.findingNamespace(key.netns),
                size: Int64(count),
                evidence: evidence,
                why: why.joined(separator: " "),
                remedies: remedies,
                place: FindingID.place(key.target)
            )
        }
    }
}
