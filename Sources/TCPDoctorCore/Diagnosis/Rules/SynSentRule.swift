/// Finds connections stuck in SYN_SENT toward a destination that does not answer.
///
/// A closed port answers a SYN with RST at once, so a pile of SYN_SENT toward one destination
/// means the SYNs get no answer at all: a firewall drops them, the host is down, or its SYN
/// queue is full. The connecting processes hold these sockets (they have fds), so they are named.
///
/// Threshold: `syn-sent.warning` SYN_SENT sockets toward one destination address and port.
public struct SynSentRule: DiagnosisRule {
    public let id = "syn-sent"
    public let summary = "connections stuck in SYN_SENT toward a destination that does not answer"

    public init() {}

    private struct Key: Hashable {
        var netns: UInt64
        var remote: Endpoint
    }

    private struct Tally {
        var count = 0
        var retransmitsMax: UInt8 = 0
        var pids: Set<Int32> = []
    }

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        var tallies: [Key: Tally] = [:]
        for socket in input.snapshot.sockets where socket.state == .synSent {
            inPlace(&tallies[Key(netns: socket.netns, remote: socket.remote), default: Tally()]) { tally in
                tally.count += 1
                tally.retransmitsMax = max(tally.retransmitsMax, socket.timer?.retransmits ?? 0)
                for owner in input.snapshot.owners(of: socket) { tally.pids.insert(owner.pid) }
            }
        }
        let warning = input.thresholds[.synSentWarning]
        return
            tallies
            .filter { Double($0.value.count) >= warning }
            .sorted {
                $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key.remote < $1.key.remote
            }
            .map { finding($0.key, $0.value, input: input) }
    }

    private func finding(_ key: Key, _ tally: Tally, input: DiagnosisInput) -> Finding {
        let processes = input.findingProcesses(tally.pids)
        let records = input.tcpProcesses(tally.pids)
        var evidence: [EvidenceField] = [
            EvidenceField("destination", .text(key.remote.description)),
            EvidenceField("retransmits_max", .integer(Int64(tally.retransmitsMax))),
        ]
        if let runtime = runtimeEvidence(records) { evidence.append(runtime) }
        if let settings = KernelSetting.evidence(["net.ipv4.tcp_syn_retries"], facts: input.facts(key.netns)) {
            evidence.append(settings)
        }
        let why = [
            "SYN_SENT is a connect() in progress: the SYN is out and no answer has come. A closed port answers with RST at once, so a pile toward one destination means its SYNs get no answer at all: a firewall drops them, the host is down or unreachable, or its listener's SYN queue is full.",
            "Without a connect timeout in the application, each attempt waits for the kernel's SYN retransmissions (net.ipv4.tcp_syn_retries, about 127 s with the default 6) while requests pile up behind it.",
        ]
        return Finding(
            rule: id,
            severity: .warning,
            summary: processes.isEmpty
                ? "\(counted(tally.count, "connection")) to \(key.remote) get no answer (SYN_SENT)"
                : "\(describe(processes)) waits on \(counted(tally.count, "connection")) to \(key.remote), which does not answer (SYN_SENT)",
            processes: processes,
            netns: input.findingNamespace(key.netns),
            size: Int64(tally.count),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: RemedyCatalog.remedies(for: .connectTimeout, processes: records)
        )
    }
}
