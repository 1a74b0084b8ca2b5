import Testing

@testable import TCPDoctorCore

struct LastAckRuleTests {
    let rule = LastAckRule()

    func pile(_ count: Int) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(sysctls: ["net.ipv4.tcp_orphan_retries": "0"])
        builder.add(
            count,
            .lastAck,
            remote: "10.0.0.30",
            remotePort: { _ in 5432 },
            orphan: true,
            timer: SocketTimer(kind: .retransmit, expiresMilliseconds: 3_000, retransmits: 4)
        )
        return builder
    }

    @Test func namesThePeerThatDoesNotAcknowledge() throws {
        let findings = rule.diagnose(pile(60).input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "last-ack")
        #expect(finding.severity == .warning)
        #expect(
            finding.summary == "60 LAST_ACK sockets toward 10.0.0.30:5432 wait for acknowledgements that do not come"
        )
        #expect(finding.processes.isEmpty)
        #expect(finding.integer("orphaned") == 60)
        #expect(finding.integer("retransmits_max") == 4)
        #expect(finding.quotedSettings == ["net.ipv4.tcp_orphan_retries"])
        #expect(finding.why.contains("a firewall or NAT on the path dropped the connection's state"))
        #expect(finding.remedies.first?.hasPrefix("Check the path to 10.0.0.30:5432") == true)
    }

    @Test func quietUnderTheThresholdAndOverridable() {
        #expect(rule.diagnose(pile(49).input()).isEmpty)
        #expect(rule.diagnose(pile(49).input(overrides: ["last-ack.warning": 40])).count == 1)
    }

    @Test func onAListeningPortTheServerIsNamed() throws {
        var builder = SnapshotBuilder()
        builder.process(3, "server")
        builder.listener(port: 9000, pids: [3])
        builder.add(55, .lastAck, localPort: { _ in 9000 }, remotePort: { UInt16(40_000 + $0) }, orphan: true)
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(
            finding.summary
                == "server (pid 3): 55 LAST_ACK sockets on port :9000 (1 peer) wait for acknowledgements that do not come"
        )
        #expect(finding.processes == [Finding.Process(pid: 3, command: "server")])
    }
}
