import Testing

@testable import TCPDoctorCore

struct DoctorTests {
    /// A busy, healthy host: pre-fork nginx, a client pool, a little churn, stock settings.
    static func healthyHost() -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(
            sysctls: KernelSettingsRuleTests.defaults,
            counters: ["TcpExt.ListenOverflows": 12, "TcpExt.SyncookiesSent": 3],
            sockstat: ["inuse": 700, "orphan": 4, "tw": 400, "alloc": 720]
        )
        builder.process(1, "nginx", openFiles: 40, limit: 65_536, runtime: .native, server: "nginx")
        for worker: Int32 in 2...5 {
            builder.process(
                worker,
                "nginx",
                openFiles: 150,
                limit: 65_536,
                runtime: .native,
                server: "nginx",
                parent: 1
            )
        }
        builder.listener(port: 80, pids: [1, 2, 3, 4, 5], queued: 2, backlog: 511)
        for worker: Int32 in 2...5 {
            builder.add(
                100,
                .established,
                localPort: { _ in 80 },
                remote: "10.1.0.\(worker)",
                remotePort: { UInt16(30_000 + $0) },
                pids: [worker]
            )
        }
        builder.process(50, "java", openFiles: 300, limit: 65_536, runtime: .jvm)
        builder.add(64, .established, remote: "10.0.0.9", remotePort: { _ in 5432 }, pids: [50])
        builder.add(3, .closeWait, remote: "10.0.0.9", remotePort: { _ in 5432 }, recvQ: { _ in 1 }, pids: [50])
        builder.add(300, .timeWait, remote: "10.0.0.9", remotePort: { _ in 5432 }, orphan: true)
        builder.add(100, .timeWait, localPort: { _ in 80 }, remotePort: { UInt16(20_000 + $0) }, orphan: true)
        builder.add(4, .finWait2, orphan: true)
        builder.add(2, .synSent, remote: "10.0.0.10", pids: [50])
        return builder
    }

    /// A host where every rule has something to say.
    static func sickHost() -> SnapshotBuilder {
        var builder = healthyHost()
        builder.facts.sysctls["net.ipv4.tcp_fin_timeout"] = "10"
        builder.facts.sockstat["tw"] = 5_000
        builder.process(60, "python3", openFiles: 1_000, limit: 1_024, runtime: .cpython)
        builder.process(61, "python3", openFiles: 20, limit: 1_024, runtime: .cpython, parent: 60)
        builder.listener(port: 8000, pids: [60], queued: 129, backlog: 128)
        builder.add(150, .closeWait, localPort: { _ in 8000 }, remotePort: { UInt16(40_000 + $0) }, pids: [60])
        builder.add(20, .closeWait, remote: "10.0.0.40", pids: [60])
        builder.add(4, .established, localPort: { _ in 8000 }, remotePort: { UInt16(45_000 + $0) }, pids: [60, 61])
        builder.dead(5, pid: 60)
        builder.add(1_500, .timeWait, localPort: { _ in 8000 }, remotePort: { UInt16(10_000 + $0) }, orphan: true)
        builder.add(120, .finWait2, remote: "10.0.0.70", orphan: true)
        builder.add(60, .lastAck, remote: "10.0.0.80", orphan: true)
        builder.add(25, .synSent, remote: "10.0.0.90", pids: [50])
        return builder
    }

    @Test func aHealthyHostYieldsNoFindings() {
        #expect(Doctor.diagnose(Self.healthyHost().input()).isEmpty)
    }

    @Test func everyRuleSpeaksOnASickHost() {
        let findings = Doctor.diagnose(Self.sickHost().input())
        #expect(Set(findings.map(\.rule)) == Set(Doctor.rules.map(\.id)))
    }

    @Test func mostSevereFirstThenLargest() {
        let findings = Doctor.diagnose(Self.sickHost().input())
        let severities = findings.map(\.severity)
        #expect(severities == severities.sorted(by: >))
        #expect(findings.first?.severity == .critical)
        #expect(findings.last?.severity == .info)
        for severity in Finding.Severity.allCases {
            let counts = findings.filter { $0.severity == severity }.map { $0.integer("count") ?? 0 }
            #expect(counts == counts.sorted(by: >), "\(severity)")
        }
        // The 1000-fd process, the 150-socket leak and the full accept queue, largest first.
        let critical = findings.filter { $0.severity == .critical }.map(\.rule)
        #expect(critical == ["fd-exhaustion", "close-wait-leak", "listen-backlog"])
    }

    @Test func onlyTheRulesAskedFor() {
        let input = Self.sickHost().input()
        let only = Doctor.diagnose(input, only: ["dead-socket-fds", "syn-sent"])
        #expect(Set(only.map(\.rule)) == ["dead-socket-fds", "syn-sent"])
        #expect(Doctor.diagnose(input, only: ["no-such-rule"]).isEmpty)
    }

    @Test func theSameInputGivesTheSameOrder() {
        let input = Self.sickHost().input()
        #expect(Doctor.diagnose(input) == Doctor.diagnose(input))
    }

    @Test func rulesHaveUniqueIDsAndSummaries() {
        let ids = Doctor.rules.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(
            ids == [
                "close-wait-leak", "dead-socket-fds", "fd-exhaustion", "shared-socket", "listen-backlog", "time-wait",
                "fin-wait2", "last-ack", "syn-sent", "kernel-settings",
            ]
        )
        for rule in Doctor.rules { #expect(!rule.summary.isEmpty) }
        #expect(Doctor.rule("time-wait") is TimeWaitRule)
    }

    @Test func withinASeverityLargerFindingsComeFirst() {
        var builder = SnapshotBuilder()
        for (pid, leaked) in [(Int32(301), 30), (302, 70), (303, 50)] {
            builder.process(pid, "leaky-\(pid)")
            builder.add(leaked, .closeWait, localPort: { _ in 9000 + UInt16(pid) }, recvQ: { _ in 1 }, pids: [pid])
        }
        let findings = Doctor.diagnose(builder.input(), only: ["close-wait-leak"])
        #expect(Set(findings.map(\.severity)).count == 1)
        #expect(findings.map(\.size) == [70, 50, 30])
        #expect(findings.map { $0.processes.first?.pid } == [302, 303, 301])
    }

    @Test func findingsAreWellFormed() {
        for finding in Doctor.diagnose(Self.sickHost().input()) {
            #expect(!finding.summary.isEmpty && !finding.why.isEmpty && !finding.remedies.isEmpty, "\(finding.rule)")
            #expect(finding.size != nil || finding.rule == "kernel-settings", "\(finding.summary)")
            if let size = finding.size { #expect(finding.evidence.first == EvidenceField("count", .integer(size))) }
            for key in Self.keys(finding.evidence) {
                #expect(key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(finding.rule): \(key)")
            }
            #expect(finding.netns?.label == "host")
        }
    }

    @Test func anEmptySnapshotIsHealthy() {
        #expect(Doctor.diagnose(DiagnosisInput(snapshot: Snapshot(takenAt: 0, sockets: []))).isEmpty)
    }

    @Test func extremeValuesDoNotTrap() {
        var builder = SnapshotBuilder()
        builder.process(1, "weird", openFiles: Int.max / 2, limit: 0, hard: UInt64.max)
        builder.process(2, "over", openFiles: 5_000, limit: 10, hard: UInt64.max)
        builder.listener(port: 1, pids: [1], queued: UInt32.max, backlog: 0)
        builder.listener(port: 2, pids: [2], queued: UInt32.max, backlog: UInt32.max)
        let info = TCPInfoSummary(lastDataReceivedMilliseconds: UInt32.max)
        builder.add(12, .closeWait, recvQ: { _ in UInt32.max }, pids: [1, 2], info: info)
        builder.add(3, .timeWait, localPort: { _ in 0 }, remotePort: { _ in 0 }, orphan: true)
        builder.dead(2, pid: 99)
        builder.facts = NamespaceFacts(
            sysctls: [
                "net.ipv4.ip_local_port_range": "60999 32768", "net.ipv4.tcp_max_tw_buckets": "0",
                "net.ipv4.tcp_fin_timeout": "-5", "net.ipv4.tcp_max_orphans": "1",
            ],
            sockstat: ["tw": Int64.max, "orphan": Int64.max, "alloc": -1, "inuse": Int64.max]
        )
        let host = HostFacts(fileHandlesAllocated: Int64.max, fileHandlesMaximum: 1, nrOpen: -1)
        let findings = Doctor.diagnose(builder.input(host: host))
        #expect(
            Set(findings.map(\.rule)).isSuperset(of: [
                "close-wait-leak", "fd-exhaustion", "listen-backlog", "dead-socket-fds",
            ])
        )
        #expect(findings.contains { $0.summary.contains("1000000000%") })
    }

    static func keys(_ fields: [EvidenceField]) -> [String] {
        fields.flatMap { [$0.key] + keys($0.value) }
    }

    static func keys(_ value: EvidenceValue) -> [String] {
        switch value {
        case .object(let fields): keys(fields)
        case .list(let values): values.flatMap(keys)
        default: []
        }
    }

    @Test func everyThresholdTheRulesReadIsDeclared() {
        let declared = Set(ThresholdKey.allCases.map(\.rawValue))
        let read = [
            "close-wait.warning", "close-wait.critical", "close-wait.fd-share-critical", "fd.warning", "fd.critical",
            "time-wait.port-share-warning", "time-wait.port-share-critical", "time-wait.server-warning",
            "fin-wait2.warning", "last-ack.warning", "syn-sent.warning", "shared-socket.warning",
            "dead-socket-fds.warning", "dead-socket-fds.critical", "dead-socket-fds.min-idle-seconds",
            "listen-backlog.fill-warning",
            "kernel-settings.tw-buckets-share-warning", "kernel-settings.orphans-share-warning",
        ]
        #expect(declared == Set(read))
    }
}
