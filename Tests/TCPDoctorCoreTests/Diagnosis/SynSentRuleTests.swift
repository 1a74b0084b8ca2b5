import Testing

@testable import TCPDoctorCore

struct SynSentRuleTests {
    let rule = SynSentRule()

    func stuck(_ count: Int, runtime: Runtime? = .dotnet) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(sysctls: ["net.ipv4.tcp_syn_retries": "6"])
        builder.process(500, "dotnet", runtime: runtime)
        builder.add(
            count,
            .synSent,
            remote: "10.9.9.9",
            remotePort: { _ in 443 },
            pids: [500],
            timer: SocketTimer(kind: .retransmit, expiresMilliseconds: 8_000, retransmits: 3)
        )
        builder.add(5, .synSent, remote: "10.9.9.10", remotePort: { _ in 443 }, pids: [500])
        return builder
    }

    @Test func namesTheSilentDestinationAndTheWaitingProcess() throws {
        let findings = rule.diagnose(stuck(25).input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "syn-sent")
        #expect(finding.severity == .warning)
        #expect(
            finding.summary
                == "dotnet (pid 500) waits on 25 connections to 10.9.9.9:443, which does not answer (SYN_SENT)"
        )
        #expect(finding.processes == [Finding.Process(pid: 500, command: "dotnet")])
        #expect(finding.text("destination") == "10.9.9.9:443")
        #expect(finding.integer("retransmits_max") == 3)
        #expect(finding.quotedSettings == ["net.ipv4.tcp_syn_retries"])
        #expect(finding.why.contains("A closed port answers with RST at once"))
        #expect(finding.remedies.first == ".NET: set `SocketsHttpHandler.ConnectTimeout` and `HttpClient.Timeout`.")
    }

    @Test func quietUnderTheThresholdAndOverridable() {
        #expect(rule.diagnose(stuck(19).input()).isEmpty)
        #expect(rule.diagnose(stuck(19).input(overrides: ["syn-sent.warning": 5])).count == 2)
    }

    @Test func genericAdviceWithoutARuntime() throws {
        let finding = try #require(rule.diagnose(stuck(30, runtime: nil).input()).first)
        #expect(finding.remedies.first?.hasPrefix("Check that the destination is up") == true)
        #expect(finding.remedies.last?.contains("was not recognised") == true)
    }
}
