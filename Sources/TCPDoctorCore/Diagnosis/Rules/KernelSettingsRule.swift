/// Advice on kernel settings, only where an observed symptom calls for it.
///
/// Settings are quoted as evidence in the findings they explain (`KernelSetting.evidence`);
/// this rule speaks on its own only when a setting itself is the symptom or feeds one: the
/// TIME_WAIT table near `tcp_max_tw_buckets`, orphans near `tcp_max_orphans`, the removed
/// `tcp_tw_recycle` still enabled on an old kernel, and a lowered `tcp_fin_timeout` next to a
/// TIME_WAIT pile (folklore: it does not shorten TIME_WAIT). A healthy host gets nothing.
///
/// Thresholds: `kernel-settings.tw-buckets-share-warning`, `kernel-settings.orphans-share-warning`;
/// the folklore note uses `time-wait.server-warning` TIME_WAIT sockets in the namespace.
public struct KernelSettingsRule: DiagnosisRule {
    public let id = "kernel-settings"
    public let summary = "kernel settings behind an observed symptom, with the folklore corrected"

    public init() {}

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        var timeWait: [UInt64: Int64] = [:]
        for socket in input.snapshot.sockets where socket.state == .timeWait { timeWait[socket.netns, default: 0] += 1 }
        var findings: [Finding] = []
        for (netns, facts) in input.host.namespaces.sorted(by: { $0.key < $1.key }) {
            let tw = facts.sockstat["tw"] ?? timeWait[netns] ?? 0
            if let finding = recycle(netns, facts, input) { findings.append(finding) }
            if let finding = buckets(netns, facts, timeWait: tw, input) { findings.append(finding) }
            if let finding = orphans(netns, facts, input) { findings.append(finding) }
            if let finding = finTimeout(netns, facts, timeWait: tw, input) { findings.append(finding) }
        }
        return findings
    }

    /// `tcp_tw_recycle` exists only before Linux 4.12; enabled, it rejects clients behind NAT.
    private func recycle(_ netns: UInt64, _ facts: NamespaceFacts, _ input: DiagnosisInput) -> Finding? {
        guard let value = facts.integer("net.ipv4.tcp_tw_recycle"), value != 0 else { return nil }
        var evidence: [EvidenceField] = [EvidenceField("tcp_tw_recycle", .integer(value))]
        if let release = input.host.kernelRelease { evidence.append(EvidenceField("kernel_release", .text(release))) }
        if let rejected = facts.counters["TcpExt.PAWSPassive"] {
            evidence.append(EvidenceField("paws_passive_rejects_since_boot", .integer(rejected)))
        }
        if let settings = KernelSetting.evidence(["net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_timestamps"], facts: facts) {
            evidence.append(settings)
        }
        return Finding(
            rule: id,
            severity: .warning,
            summary: "net.ipv4.tcp_tw_recycle is enabled: connections from clients behind NAT are silently rejected",
            netns: input.findingNamespace(netns),
            evidence: evidence,
            why:
                "tcp_tw_recycle made the kernel remember the last TCP timestamp of each peer address and drop SYNs with an older one. Clients behind one NAT share an address but not a clock, so some of them cannot connect (TcpExt.PAWSPassive counts the rejected SYNs, cumulative since boot). It was removed in Linux 4.12 for that reason; advice that recommends it is wrong.",
            remedies: [
                "Set net.ipv4.tcp_tw_recycle=0 (and remove it from /etc/sysctl.conf and /etc/sysctl.d).",
                "For TIME_WAIT on clients use connection reuse or net.ipv4.tcp_tw_reuse=1 instead.",
            ]
        )
    }

    /// The namespace's TIME_WAIT table near `tcp_max_tw_buckets`.
    private func buckets(_ netns: UInt64, _ facts: NamespaceFacts, timeWait: Int64, _ input: DiagnosisInput) -> Finding?
    {
        guard let maximum = facts.integer("net.ipv4.tcp_max_tw_buckets"), maximum > 0 else { return nil }
        let share = Double(timeWait) / Double(maximum)
        guard share >= input.thresholds[.kernelSettingsTwBucketsShareWarning] else { return nil }
        var evidence: [EvidenceField] = [
            EvidenceField("tcp_max_tw_buckets", .integer(maximum)),
            EvidenceField("share", shareValue(share)),
        ]
        if let overflows = facts.counters["TcpExt.TCPTimeWaitOverflow"] {
            evidence.append(EvidenceField("time_wait_overflow_since_boot", .integer(overflows)))
        }
        if let settings = KernelSetting.evidence(
            ["net.ipv4.tcp_max_tw_buckets", "net.ipv4.tcp_fin_timeout"],
            facts: facts
        ) {
            evidence.append(settings)
        }
        return Finding(
            rule: id,
            severity: .warning,
            summary:
                "\(timeWait) TIME_WAIT sockets fill \(percent(share)) of net.ipv4.tcp_max_tw_buckets (\(maximum)): beyond it the kernel drops TIME_WAIT early",
            netns: input.findingNamespace(netns),
            size: timeWait,
            evidence: evidence,
            why:
                "Past tcp_max_tw_buckets the kernel skips TIME_WAIT for new closes (TcpExt.TCPTimeWaitOverflow, cumulative since boot; \"time wait bucket table overflow\" in the kernel log), losing the protection against late segments of old connections. TIME_WAIT lasts 60 s whatever tcp_fin_timeout says, so the count is the close rate times 60 s. The time-wait rule's findings say who closes first.",
            remedies: [
                "Reduce the churn: connection reuse and keep-alive on the side that closes first (see the time-wait findings).",
                "Raising net.ipv4.tcp_max_tw_buckets is cheap (a TIME_WAIT socket is a few hundred bytes) if the rate is legitimate.",
            ]
        )
    }

    /// Orphaned sockets near `tcp_max_orphans`, past which the kernel resets new orphans.
    private func orphans(_ netns: UInt64, _ facts: NamespaceFacts, _ input: DiagnosisInput) -> Finding? {
        guard let maximum = facts.integer("net.ipv4.tcp_max_orphans"), maximum > 0,
            let orphans = facts.sockstat["orphan"]
        else { return nil }
        let share = Double(orphans) / Double(maximum)
        guard share >= input.thresholds[.kernelSettingsOrphansShareWarning] else { return nil }
        var evidence: [EvidenceField] = [
            EvidenceField("tcp_max_orphans", .integer(maximum)),
            EvidenceField("share", shareValue(share)),
        ]
        if let aborts = facts.counters["TcpExt.TCPAbortOnMemory"] {
            evidence.append(EvidenceField("abort_on_memory_since_boot", .integer(aborts)))
        }
        if let settings = KernelSetting.evidence(
            ["net.ipv4.tcp_max_orphans", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_orphan_retries"],
            facts: facts
        ) {
            evidence.append(settings)
        }
        return Finding(
            rule: id,
            severity: .warning,
            summary:
                "\(orphans) orphaned sockets fill \(percent(share)) of net.ipv4.tcp_max_orphans (\(maximum)): beyond it the kernel resets connections",
            netns: input.findingNamespace(netns),
            size: orphans,
            evidence: evidence,
            why:
                "Orphans are sockets their application has closed that are still finishing (FIN_WAIT1, FIN_WAIT2, LAST_ACK, CLOSING). Past tcp_max_orphans the kernel resets them instead (\"too many orphaned sockets\" in the kernel log, TcpExt.TCPAbortOnMemory, cumulative since boot). Many orphans mean peers that do not finish closing: see the fin-wait2 and last-ack findings.",
            remedies: [
                "Find the peers that do not finish closing (fin-wait2, last-ack findings) and fix them.",
                "net.ipv4.tcp_fin_timeout bounds orphaned FIN_WAIT2 and net.ipv4.tcp_orphan_retries the others; raise tcp_max_orphans only if memory allows (each orphan can hold up to its send buffer).",
            ]
        )
    }

    /// A lowered `tcp_fin_timeout` next to a TIME_WAIT pile: the folklore fix that does nothing.
    private func finTimeout(
        _ netns: UInt64,
        _ facts: NamespaceFacts,
        timeWait: Int64,
        _ input: DiagnosisInput
    ) -> Finding? {
        guard let value = facts.integer("net.ipv4.tcp_fin_timeout"), value < 60,
            Double(timeWait) >= input.thresholds[.timeWaitServerWarning]
        else { return nil }
        var evidence: [EvidenceField] = []
        if let settings = KernelSetting.evidence(["net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_tw_reuse"], facts: facts) {
            evidence.append(settings)
        }
        return Finding(
            rule: id,
            severity: .info,
            summary:
                "net.ipv4.tcp_fin_timeout was lowered to \(value) s, but it does not shorten the \(timeWait) TIME_WAIT sockets here",
            netns: input.findingNamespace(netns),
            size: timeWait,
            evidence: evidence,
            why:
                "A common tuning tip lowers tcp_fin_timeout to clear TIME_WAIT. On Linux TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN, a compile-time constant) whatever tcp_fin_timeout says; that setting bounds only orphaned FIN_WAIT2 sockets.",
            remedies: [
                "Treat TIME_WAIT at its cause: connection reuse, and letting the client close first (see the time-wait findings).",
                "On clients, net.ipv4.tcp_tw_reuse=1 lets new connections reuse TIME_WAIT ports safely; tcp_tw_recycle is gone since Linux 4.12.",
            ]
        )
    }
}
