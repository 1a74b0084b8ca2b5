import Testing

@testable import TCPDoctorCore

struct DeadSocketFDsRuleTests {
    let rule = DeadSocketFDsRule()

    func leak(_ count: Int, runtime: Runtime? = .node) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.process(200, "node", openFiles: 80, limit: 1024, runtime: runtime)
        builder.add(10, .established, pids: [200])
        builder.dead(count, pid: 200)
        return builder
    }

    @Test func namesTheProcessAndItsFDs() throws {
        let findings = rule.diagnose(leak(5).input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "dead-socket-fds")
        #expect(finding.severity == .warning)
        #expect(finding.processes == [Finding.Process(pid: 200, command: "node")])
        #expect(
            finding.summary
                == "node (pid 200) holds 5 socket fds whose TCP connections the kernel already reset or destroyed"
        )
        #expect(finding.integer("count") == 5)
        #expect(finding.integer("distinct_sockets") == 5)
        // The builder gave the ten live sockets fds 3...12.
        #expect(finding[evidence: "fds"] == .list([13, 14, 15, 16, 17]))
        #expect(finding[evidence: "protocols"] == .object([EvidenceField("tcp", 5)]))
        #expect(finding.integer("fd_limit_soft") == 1024)
        #expect(finding.netns?.label == "host")
    }

    @Test func quietWithoutDeadFDs() {
        #expect(rule.diagnose(leak(0).input()).isEmpty)
    }

    @Test func criticalAtTheThresholdAndOverridable() throws {
        #expect(try #require(rule.diagnose(leak(100).input()).first).severity == .critical)
        #expect(try #require(rule.diagnose(leak(99).input()).first).severity == .warning)
        #expect(rule.diagnose(leak(5).input(overrides: ["dead-socket-fds.warning": 10])).isEmpty)
        let lowered = try #require(rule.diagnose(leak(5).input(overrides: ["dead-socket-fds.critical": 5])).first)
        #expect(lowered.severity == .critical)
    }

    @Test func explainsThatKeepaliveHidesTheLeak() throws {
        let finding = try #require(rule.diagnose(leak(3).input()).first)
        #expect(finding.why.contains("SO_KEEPALIVE turns an idle CLOSE_WAIT leak into exactly this"))
        #expect(finding.why.contains("`ss -K`"))
        #expect(finding.remedies.contains { $0.contains("hide a CLOSE_WAIT leak from netstat without fixing it") })
        // Node.js's own line says "close on ECONNRESET, EPIPE, ETIMEDOUT", so the generic one is left out.
        #expect(finding.remedies.contains { $0.hasPrefix("Node.js: handle 'error'") && $0.contains("ETIMEDOUT") })
        #expect(!finding.remedies.contains { $0.hasPrefix("Close the socket on ECONNRESET, EPIPE and ETIMEDOUT") })
        let unknown = try #require(rule.diagnose(leak(3, runtime: nil).input()).first)
        #expect(unknown.remedies.contains { $0.hasPrefix("Close the socket on ECONNRESET, EPIPE and ETIMEDOUT") })
    }

    @Test func sockstatCorroboratesWhenAllocExceedsInUse() throws {
        var builder = leak(3)
        builder.facts = NamespaceFacts(sockstat: ["inuse": 300, "alloc": 520, "orphan": 0, "tw": 10])
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.integer("sockstat_alloc") == 520)
        #expect(finding.why.contains("520 TCP sockets are allocated and only 300 are in the tables"))
        builder.facts = NamespaceFacts(sockstat: ["inuse": 300, "alloc": 300])
        let quiet = try #require(rule.diagnose(builder.input()).first)
        #expect(!quiet.why.contains("are allocated"))
    }

    @Test(arguments: Runtime.allCases)
    func remediesInTheRuntimesTerms(runtime: Runtime) throws {
        let finding = try #require(rule.diagnose(leak(2, runtime: runtime).input()).first)
        #expect(finding.remedies.first?.hasPrefix(runtime.displayName + ": ") == true)
        #expect(finding.text("runtime") == runtime.displayName)
        #expect(!finding.remedies.contains { $0.contains("not recognised") })
    }

    @Test func genericAdviceWhenTheRuntimeIsUnknown() throws {
        let finding = try #require(rule.diagnose(leak(2, runtime: nil).input()).first)
        #expect(finding.remedies.first?.hasPrefix("Close the socket on ECONNRESET") == true)
        #expect(finding.remedies.last == "The runtime of node (pid 200) was not recognised, so this advice is generic.")
    }

    @Test func eachProcessGetsItsOwnFinding() {
        var builder = leak(3)
        builder.process(300, "ruby", runtime: .ruby)
        builder.dead(7, pid: 300)
        let findings = rule.diagnose(builder.input())
        #expect(findings.map(\.processes.first?.pid) == [300, 200])
        #expect(findings.map { $0.integer("count") } == [7, 3])
    }
}
