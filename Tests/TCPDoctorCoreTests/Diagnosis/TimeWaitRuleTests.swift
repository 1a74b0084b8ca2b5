import Testing

@testable import TCPDoctorCore

struct TimeWaitRuleTests {
    let rule = TimeWaitRule()

    /// A client (pid 100) that closed `count` connections toward 10.0.0.9:8080 first, in a
    /// 10000-port range, and still holds 3 connections there.
    func client(
        _ count: Int,
        reuse: String = "0",
        remote: String = "10.0.0.9",
        runtime: Runtime? = .go
    ) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(sysctls: [
            "net.ipv4.ip_local_port_range": "40000\t49999", "net.ipv4.tcp_tw_reuse": reuse,
            "net.ipv4.tcp_fin_timeout": "60", "net.ipv4.tcp_max_tw_buckets": "262144",
        ])
        builder.process(100, "fetcher", runtime: runtime)
        builder.add(count, .timeWait, remote: remote, orphan: true)
        builder.add(3, .established, localPort: { UInt16(49_000 + $0) }, remote: remote, pids: [100])
        return builder
    }

    @Test func aClientRunningOutOfPortsTowardOneDestination() throws {
        let findings = rule.diagnose(client(8_500).input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "time-wait")
        #expect(finding.severity == .critical)
        #expect(
            finding.summary
                == "8500 TIME_WAIT sockets toward 10.0.0.9:8080 hold 85% of the ephemeral port range (likely client: fetcher (pid 100)): this side closes first, and connect() risks EADDRNOTAVAIL"
        )
        #expect(finding.processes == [Finding.Process(pid: 100, command: "fetcher")])
        #expect(finding.integer("port_range_size") == 10_000)
        #expect(finding.text("port_range") == "40000-49999")
        #expect(finding[evidence: "port_share"] == .number(0.85))
        #expect(finding.integer("other_connections") == 3)
        #expect(finding.integer("new_connections_per_second_max") == 166)
        #expect(finding[evidence: "port_range_assumed"] == nil)
        #expect(finding.why.contains("EADDRNOTAVAIL"))
        #expect(finding.why.contains("TIME_WAIT sockets have no owner"))
        #expect(finding.remedies.first?.hasPrefix("Go: reuse one http.Client") == true)
        #expect(finding.remedies.contains { $0.hasPrefix("On this client, net.ipv4.tcp_tw_reuse=1") })
    }

    @Test func quietFarFromTheRangeAndOnTheClientSideOfAHealthyHost() {
        #expect(rule.diagnose(client(300).input()).isEmpty)
        #expect(rule.diagnose(client(4_999).input()).isEmpty)
        #expect(rule.diagnose(client(5_000).input()).first?.severity == .warning)
    }

    @Test func thresholdsAreOverridable() {
        let input = client(300).input(overrides: [
            "time-wait.port-share-warning": 0.01, "time-wait.port-share-critical": 0.02,
        ])
        #expect(rule.diagnose(input).first?.severity == .critical)
    }

    @Test func correctsTheFolklore() throws {
        let finding = try #require(rule.diagnose(client(6_000).input()).first)
        #expect(finding.why.contains("TIME_WAIT lasts 60 s on Linux whatever net.ipv4.tcp_fin_timeout says"))
        #expect(finding.why.contains("removed in Linux 4.12"))
        #expect(finding.remedies.contains { $0.contains("Do not reach for tcp_tw_recycle") })
        #expect(finding.quotedSettings.contains("net.ipv4.tcp_fin_timeout"))
        #expect(finding.quotedSettings.contains("net.ipv4.ip_local_port_range"))
    }

    @Test func tcpTWReuseEasesTheRisk() throws {
        let reuse = try #require(rule.diagnose(client(9_000, reuse: "1").input()).first)
        #expect(reuse.severity == .warning)
        #expect(reuse.why.contains("net.ipv4.tcp_tw_reuse=1 lets new connections"))
        #expect(!reuse.remedies.contains { $0.hasPrefix("On this client, net.ipv4.tcp_tw_reuse=1") })
        // 2 means loopback only: it helps toward 127.0.0.1, not toward 10.0.0.9.
        #expect(rule.diagnose(client(9_000, reuse: "2").input()).first?.severity == .critical)
        #expect(rule.diagnose(client(9_000, reuse: "2", remote: "127.0.0.1").input()).first?.severity == .warning)
    }

    @Test func theDefaultRangeIsAssumedWhenUnknown() throws {
        var builder = SnapshotBuilder()
        builder.add(20_000, .timeWait, localPort: { UInt16(32_768 + $0) }, orphan: true)
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.integer("port_range_size") == 28_232)
        #expect(finding[evidence: "port_range_assumed"] == .boolean(true))
        #expect(finding.processes.isEmpty)
        #expect(
            finding.remedies.contains {
                $0.hasPrefix("TIME_WAIT has no owner and no other connection names the client")
            }
        )
    }

    @Test func aServerThatClosesFirstIsNamedFromItsListener() throws {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(sysctls: ["net.ipv4.tcp_max_tw_buckets": "262144"], sockstat: ["tw": 1_500])
        builder.process(1, "nginx", runtime: .native, server: "nginx")
        builder.listener(port: 80, pids: [1])
        builder.add(
            1_200,
            .timeWait,
            localPort: { _ in 80 },
            remote: "10.0.1.1",
            remotePort: { UInt16(30_000 + $0) },
            orphan: true
        )
        builder.add(
            300,
            .timeWait,
            localPort: { _ in 80 },
            remote: "10.0.1.2",
            remotePort: { UInt16(30_000 + $0) },
            orphan: true
        )
        let findings = rule.diagnose(builder.input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.severity == .warning)
        #expect(
            finding.summary == "nginx (pid 1) closes connections first on port :80: 1500 TIME_WAIT sockets from 2 peers"
        )
        #expect(finding.processes == [Finding.Process(pid: 1, command: "nginx")])
        #expect(finding.integer("local_port") == 80)
        #expect(finding.integer("namespace_time_wait") == 1_500)
        #expect(finding.remedies.first?.hasPrefix("nginx: keep `keepalive_timeout` above 0") == true)
        #expect(finding.remedies.contains("tcp_tw_reuse does not help here: it applies to outgoing connections only."))
        #expect(finding.why.contains("the server closes first"))
    }

    @Test func aServerBelowItsThresholdIsQuiet() {
        var builder = SnapshotBuilder()
        builder.process(1, "nginx")
        builder.listener(port: 80, pids: [1])
        builder.add(999, .timeWait, localPort: { _ in 80 }, remotePort: { UInt16(30_000 + $0) }, orphan: true)
        #expect(rule.diagnose(builder.input()).isEmpty)
        #expect(rule.diagnose(builder.input(overrides: ["time-wait.server-warning": 500])).count == 1)
    }
}
