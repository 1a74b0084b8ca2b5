/// Finds TCP connections held by several processes: a fork that kept the accepted fd, or an fd
/// without close-on-exec inherited by a program started with exec.
///
/// A connection ends only when its last descriptor is closed, so the process that serves it
/// cannot finish it while another still holds it. Listening sockets are left out: pre-fork
/// servers share them on purpose. Only sockets found in the TCP dumps count, so shared Unix or
/// UDP sockets never show up here. Findings are grouped by the set of holders (usually a pair).
///
/// Threshold: `shared-socket.warning` shared connections per set of processes.
public struct SharedSocketRule: DiagnosisRule {
    public let id = "shared-socket"
    public let summary = "TCP connections held by several processes (a fork kept the fd, or no close-on-exec)"

    public init() {}

    private struct Key: Hashable {
        var netns: UInt64
        var pids: [Int32]
    }

    private struct Tally {
        var count = 0
        var states: [TCPState: Int] = [:]
        var samples: [SocketRecord] = []
        var listeners = 0
    }

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        let snapshot = input.snapshot
        var shared: [UInt64: [Int32]] = [:]
        snapshot.owners.forEachSocket { inode, owners in
            guard let first = owners.first, let last = owners.last, first.pid != last.pid else { return }
            var pids: [Int32] = []
            for owner in owners where pids.last != owner.pid { pids.append(owner.pid) }
            shared[inode] = pids
        }
        guard !shared.isEmpty else { return [] }
        var tallies: [Key: Tally] = [:]
        var listenersShared: [Key: Int] = [:]
        for socket in snapshot.sockets where socket.inode != 0 {
            guard let pids = shared[socket.inode] else { continue }
            if socket.state == .listen {
                listenersShared[Key(netns: socket.netns, pids: pids), default: 0] += 1
                continue
            }
            let state = socket.state == .newSynReceived ? TCPState.synReceived : socket.state
            inPlace(&tallies[Key(netns: socket.netns, pids: pids), default: Tally()]) { tally in
                tally.count += 1
                tally.states[state, default: 0] += 1
                if tally.samples.count < 5 { tally.samples.append(socket) }
            }
        }
        let warning = input.thresholds[.sharedSocketWarning]
        return
            tallies
            .filter { Double($0.value.count) >= warning }
            .sorted {
                $0.value.count != $1.value.count
                    ? $0.value.count > $1.value.count : $0.key.pids.lexicographicallyPrecedes($1.key.pids)
            }
            .map { finding($0.key, $0.value, listeners: listenersShared[$0.key] ?? 0, input: input) }
    }

    private func finding(_ key: Key, _ tally: Tally, listeners: Int, input: DiagnosisInput) -> Finding {
        let processes = key.pids.map(input.findingProcess)
        let records = input.tcpProcesses(key.pids)
        let parentOf = { (pid: Int32) in input.snapshot.processes[pid]?.parentPID ?? 0 }
        var holders = describe(processes, limit: 4)
        var forked = false
        if key.pids.count == 2 {
            let (a, b) = (processes[0], processes[1])
            if parentOf(b.pid) == a.pid {
                holders = "\(describe(a)) and its child \(describe(b))"
                forked = true
            } else if parentOf(a.pid) == b.pid {
                holders = "\(describe(b)) and its child \(describe(a))"
                forked = true
            }
        }
        let states = tally.states.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let stateText = states.map { "\($0.value) \($0.key.netstatName)" }.joined(separator: ", ")
        let both = key.pids.count == 2 ? "both" : "all"
        var why = [
            "fork() duplicates every descriptor, and a connection ends only when its last descriptor is closed: one holder's close() drops its reference and sends nothing while another still holds the fd, so the peer never sees a FIN (or, once the peer has closed, the socket sits in CLOSE_WAIT)."
        ]
        why.append(
            forked
                ? "Here the parent still holds connections its child serves: the classic forking server that does not close the accepted fd after fork()."
                : "The holders may be a forked family or programs started with exec that inherited descriptors opened without close-on-exec (SOCK_CLOEXEC)."
        )
        if listeners > 0 {
            why.append(
                "They share \(counted(listeners, "listening socket")) too, as pre-fork servers do on purpose; listeners are not counted."
            )
        }
        var evidence: [EvidenceField] = [
            EvidenceField(
                "states",
                .object(states.map { EvidenceField($0.key.netstatName.lowercased(), .integer(Int64($0.value))) })
            ),
            EvidenceField(
                "holders",
                .list(
                    processes.map {
                        .object([
                            EvidenceField("pid", .integer(Int64($0.pid))), EvidenceField("command", .text($0.command)),
                            EvidenceField("parent_pid", .integer(Int64(parentOf($0.pid)))),
                        ])
                    }
                )
            ),
            EvidenceField(
                "sample_connections",
                .list(tally.samples.map { .text("\($0.local) -> \($0.remote) \($0.state.netstatName)") })
            ),
        ]
        if let runtime = runtimeEvidence(records) { evidence.append(runtime) }
        return Finding(
            rule: id,
            severity: .warning,
            summary:
                "\(holders) \(both) hold \(counted(tally.count, "TCP connection")) (\(stateText))\(forked ? ": a fork kept the fd" : "")",
            processes: processes,
            netns: input.findingNamespace(key.netns),
            size: Int64(tally.count),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: RemedyCatalog.remedies(for: .sharedSocket, processes: records),
            place: ""
        )
    }
}
