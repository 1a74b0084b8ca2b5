import Testing

@testable import TCPDoctorCore

struct FinWait2RuleTests {
    let rule = FinWait2Rule()

    /// 150 orphaned FIN_WAIT2 toward 10.0.0.9:8080, and 10 still held by pid 100 after shutdown().
    func client(orphans: Int = 150, held: Int = 10) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(sysctls: ["net.ipv4.tcp_fin_timeout": "60"])
        builder.process(100, "uploader", runtime: .go)
        builder.add(orphans, .finWait2, orphan: true)
        builder.add(held, .finWait2, localPort: { UInt16(45_000 + $0) }, pids: [100])
        return builder
    }

    @Test func namesThePeerThatLeaksAndTellsOrphansFromHeldSockets() throws {
        let findings = rule.diagnose(client().input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "fin-wait2")
        #expect(finding.severity == .warning)
        #expect(
            finding.summary
                == "160 FIN_WAIT2 sockets toward 10.0.0.9:8080 wait for a FIN that does not come (150 orphaned, ended within tcp_fin_timeout=60 s; 10 held by uploader (pid 100) with no timer): the peer leaks CLOSE_WAIT"
        )
        #expect(finding.processes == [Finding.Process(pid: 100, command: "uploader")])
        #expect(finding.text("peer") == "10.0.0.9:8080")
        #expect(finding.integer("orphaned") == 150)
        #expect(finding.integer("held_by_process") == 10)
        #expect(finding.why.contains("the peer 10.0.0.9:8080 is in CLOSE_WAIT"))
        #expect(finding.why.contains("after net.ipv4.tcp_fin_timeout (60 s)"))
        #expect(finding.why.contains("have no timer"))
        #expect(
            finding.remedies.first
                == "Fix the peer: run tcpdoctor on the host of 10.0.0.9:8080; its close-wait-leak finding names the process and the change."
        )
        #expect(finding.remedies.contains { $0.hasPrefix("Go: after `CloseWrite()`") })
        #expect(
            finding.remedies.contains {
                $0.hasPrefix("Lowering net.ipv4.tcp_fin_timeout frees orphaned FIN_WAIT2 sooner")
            }
        )
    }

    @Test func orphansAloneNameNoProcess() throws {
        let finding = try #require(rule.diagnose(client(orphans: 120, held: 0).input()).first)
        #expect(finding.processes.isEmpty)
        #expect(!finding.why.contains("no timer"))
        #expect(!finding.remedies.contains { $0.contains("shutdown(SHUT_WR)") })
        #expect(finding.quotedSettings == ["net.ipv4.tcp_fin_timeout"])
        guard case .list(let settings) = finding[evidence: "kernel_settings"],
            case .object(let fields) = settings.first,
            case .text(let governs) = fields.last?.value
        else {
            Issue.record("tcp_fin_timeout is not quoted with its meaning")
            return
        }
        #expect(governs.contains("does not change TIME_WAIT"))
    }

    @Test func quietUnderTheThresholdAndOverridable() {
        #expect(rule.diagnose(client(orphans: 50, held: 10).input()).isEmpty)
        #expect(rule.diagnose(client(orphans: 50, held: 10).input(overrides: ["fin-wait2.warning": 60])).count == 1)
    }

    @Test func aServerSeesItsClientsLeak() throws {
        var builder = SnapshotBuilder()
        builder.process(1, "api")
        builder.listener(port: 443, pids: [1])
        builder.add(
            70,
            .finWait2,
            localPort: { _ in 443 },
            remote: "10.0.2.1",
            remotePort: { UInt16(30_000 + $0) },
            orphan: true
        )
        builder.add(
            40,
            .finWait2,
            localPort: { _ in 443 },
            remote: "10.0.2.2",
            remotePort: { UInt16(30_000 + $0) },
            orphan: true
        )
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.summary.hasPrefix("110 FIN_WAIT2 sockets on port :443 (2 peers)"))
        #expect(finding.summary.hasSuffix("the peers leak CLOSE_WAIT"))
        #expect(finding.processes == [Finding.Process(pid: 1, command: "api")])
        #expect(finding.why.contains("the peers (10.0.2.1, 10.0.2.2) are in CLOSE_WAIT"))
    }
}
