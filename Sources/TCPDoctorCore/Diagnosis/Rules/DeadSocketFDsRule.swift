/// Finds processes that hold fds of TCP sockets the kernel has already reset or destroyed.
///
/// Such an fd refers to a socket in no kernel table (`Snapshot.deadSocketFDs`): an RST, failed
/// keepalive probes, a retransmission timeout or `ss -K` ended the connection, and the
/// application never closed the descriptor. netstat and ss no longer list the socket, so this is
/// the leak they cannot see; SO_KEEPALIVE turns an idle CLOSE_WAIT leak into exactly this.
///
/// Only confirmed fds count (see `Snapshot.unverifiedSocketFDs` for the others): what could
/// not be confirmed through a duplicate of the fd is never a finding.
///
/// Thresholds: `dead-socket-fds.warning` and `dead-socket-fds.critical` fds per process;
/// `dead-socket-fds.min-idle-seconds` is applied when the snapshot is read.
public struct DeadSocketFDsRule: DiagnosisRule {
    public let id = "dead-socket-fds"
    public let summary = "socket fds kept open after the kernel reset or destroyed their TCP connection"

    public init() {}

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        var byProcess: [Int32: [DeadSocketFD]] = [:]
        for dead in input.snapshot.deadSocketFDs { byProcess[dead.owner.pid, default: []].append(dead) }
        let warning = input.thresholds[.deadSocketFdsWarning]
        let critical = input.thresholds[.deadSocketFdsCritical]
        return
            byProcess
            .filter { Double($0.value.count) >= warning }
            .sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
            .map { pid, fds in
                finding(
                    pid: pid,
                    fds: fds,
                    severity: Double(fds.count) >= critical ? .critical : .warning,
                    input: input
                )
            }
    }

    private func finding(pid: Int32, fds: [DeadSocketFD], severity: Finding.Severity, input: DiagnosisInput) -> Finding
    {
        let process = input.findingProcess(pid)
        let record = input.culprit(pid)
        let netns = record?.netns ?? 0
        let sorted = fds.sorted { $0.owner.fd < $1.owner.fd }
        var evidence: [EvidenceField] = [
            EvidenceField("distinct_sockets", .integer(Int64(Set(fds.map(\.inode)).count))),
            EvidenceField("fds", .list(sorted.prefix(10).map { .integer(Int64($0.owner.fd)) })),
        ]
        var protocols: [String: Int] = [:]
        for fd in fds { protocols[fd.protocolName, default: 0] += 1 }
        evidence.append(
            EvidenceField(
                "protocols",
                .object(
                    protocols.sorted { $0.key < $1.key }.map {
                        EvidenceField($0.key.lowercased(), .integer(Int64($0.value)))
                    }
                )
            )
        )
        var why = [
            "These fds refer to TCP sockets that are in no kernel socket table any more: the connection was reset (an RST from the peer, unanswered keepalive probes, a retransmission timeout) or destroyed with `ss -K`, and \(describe(process)) never closed the descriptor.",
            "netstat and ss no longer list these sockets, so the leak is invisible there, but each still takes an fd and socket memory until close().",
            "SO_KEEPALIVE turns an idle CLOSE_WAIT leak into exactly this: the CLOSE_WAIT entry vanishes at the reset and the fd stays.",
        ]
        if let record, let limit = record.fileLimitSoft, limit > 0 {
            evidence.append(EvidenceField("open_files", .integer(Int64(record.openFiles))))
            evidence.append(EvidenceField("fd_limit_soft", .integer(Int64(clamping: limit))))
            evidence.append(EvidenceField("fd_limit_share", shareValue(Double(fds.count) / Double(limit))))
        }
        if let facts = input.facts(netns), let alloc = facts.sockstat["alloc"], let inuse = facts.sockstat["inuse"] {
            evidence.append(EvidenceField("sockstat_alloc", .integer(alloc)))
            evidence.append(EvidenceField("sockstat_inuse", .integer(inuse)))
            if alloc > inuse {
                why.append(
                    "/proc/net/sockstat agrees: \(alloc) TCP sockets are allocated and only \(inuse) are in the tables."
                )
            }
        }
        if let runtime = runtimeEvidence(record.map { [$0] } ?? []) { evidence.append(runtime) }
        if let settings = KernelSetting.evidence(
            ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"],
            facts: input.facts(netns)
        ) {
            evidence.append(settings)
        }
        return Finding(
            rule: id,
            severity: severity,
            summary:
                "\(describe(process)) holds \(counted(fds.count, "socket fd")) whose TCP \(fds.count == 1 ? "connection" : "connections") the kernel already reset or destroyed",
            processes: [process],
            netns: input.findingNamespace(netns),
            size: Int64(fds.count),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: RemedyCatalog.remedies(
                for: .deadSocketFDs,
                processes: record.map { [$0] } ?? [],
                unknownOwner: "Pid \(pid) could not be read (it may have exited), so this advice is generic."
            )
        )
    }
}
