import Testing

@testable import TCPDoctorCore

struct ListenBacklogRuleTests {
    let rule = ListenBacklogRule()

    func server(queued: UInt32, backlog: UInt32 = 128, synRecv: Int = 0, runtime: Runtime? = .node) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(
            sysctls: [
                "net.core.somaxconn": "128", "net.ipv4.tcp_max_syn_backlog": "1024", "net.ipv4.tcp_syncookies": "1",
            ],
            counters: [
                "TcpExt.ListenOverflows": 4_211, "TcpExt.ListenDrops": 4_211, "TcpExt.SyncookiesSent": 0,
                "TcpExt.SyncookiesRecv": 0, "TcpExt.SyncookiesFailed": 0,
            ]
        )
        builder.process(7, "node", runtime: runtime)
        builder.listener(port: 3000, pids: [7], queued: queued, backlog: backlog)
        builder.add(synRecv, .synReceived, localPort: { _ in 3000 }, remotePort: { UInt16(40_000 + $0) }, orphan: true)
        return builder
    }

    @Test func aFullAcceptQueueIsCritical() throws {
        let findings = rule.diagnose(server(queued: 129).input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "listen-backlog")
        #expect(finding.severity == .critical)
        #expect(
            finding.summary
                == "the accept queue of node (pid 7) on :3000 is full (129 of 128): new connections are dropped"
        )
        #expect(finding.processes == [Finding.Process(pid: 7, command: "node")])
        #expect(finding.integer("accept_queue") == 129)
        #expect(finding.integer("backlog") == 128)
        #expect(finding.integer("listen_overflows_since_boot") == 4_211)
        #expect(finding.integer("syncookies_sent_since_boot") == 0)
        #expect(finding[evidence: "backlog_capped_by_somaxconn"] == .boolean(true))
        #expect(finding.why.contains("The backlog equals net.core.somaxconn (128)"))
        #expect(finding.why.contains("cumulative since boot"))
        #expect(finding.why.contains("keeps no SYN_RECV entry, so a flood can leave none behind"))
        #expect(
            finding.quotedSettings == ["net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_syncookies"]
        )
        #expect(finding.remedies.first?.hasPrefix("Node.js: pass a larger `backlog` to `server.listen()`") == true)
    }

    @Test func aFillingQueueWarnsAndAnEmptyOneIsQuiet() throws {
        let filling = try #require(rule.diagnose(server(queued: 110).input()).first)
        #expect(filling.severity == .warning)
        #expect(filling.summary == "the accept queue of node (pid 7) on :3000 is 86% full (110 of 128)")
        #expect(rule.diagnose(server(queued: 3).input()).isEmpty)
        #expect(rule.diagnose(server(queued: 0, synRecv: 5).input()).isEmpty)
    }

    @Test func anUnknownBacklogIsNotJudged() {
        // /proc/net/tcp shows a listener's backlog as 0.
        #expect(rule.diagnose(server(queued: 40, backlog: 0).input()).isEmpty)
    }

    @Test func thresholdIsOverridable() {
        #expect(rule.diagnose(server(queued: 50).input(overrides: ["listen-backlog.fill-warning": 0.3])).count == 1)
        #expect(rule.diagnose(server(queued: 110).input(overrides: ["listen-backlog.fill-warning": 0.9])).isEmpty)
    }

    @Test func halfOpenConnectionsFillingTheSYNQueue() throws {
        let finding = try #require(rule.diagnose(server(queued: 0, synRecv: 120).input()).first)
        #expect(finding.severity == .warning)
        #expect(
            finding.summary == "node (pid 7) on :3000 has 120 half-open connections (SYN_RECV) for a backlog of 128"
        )
        #expect(finding.integer("count") == 120)
        #expect(finding.integer("syn_recv") == 120)
        #expect(finding.remedies.contains { $0.contains("a firewall or asymmetric routing that eats the final ACK") })
    }

    @Test func syncookiesOffIsCalledOutWithHalfOpenConnections() throws {
        var builder = server(queued: 0, synRecv: 120)
        builder.facts.sysctls["net.ipv4.tcp_syncookies"] = "0"
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.remedies.contains { $0.hasPrefix("net.ipv4.tcp_syncookies is 0: set it to 1") })
    }

    @Test func reusePortListenersMakeOneFinding() throws {
        var builder = server(queued: 20)
        builder.process(8, "node", runtime: .node)
        builder.listener(port: 3000, pids: [8], queued: 128, backlog: 128)
        let findings = rule.diagnose(builder.input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.processes.map(\.pid) == [7, 8])
        #expect(finding.integer("accept_queue") == 128)
        guard case .list(let listeners) = finding[evidence: "listeners"] else {
            Issue.record("listeners are not listed")
            return
        }
        #expect(listeners.count == 2)
    }

    @Test func genericAdviceForAnUnknownRuntimeAndServerAdviceForNginx() throws {
        let unknown = try #require(rule.diagnose(server(queued: 129, runtime: nil).input()).first)
        #expect(unknown.remedies.first?.hasPrefix("Accept faster") == true)
        #expect(unknown.remedies.last?.contains("was not recognised") == true)
        var nginx = server(queued: 129)
        nginx.process(7, "nginx", runtime: .native, server: "nginx")
        let finding = try #require(rule.diagnose(nginx.input()).first)
        #expect(
            finding.remedies.first
                == "nginx: set `backlog=` on the `listen` directive (default 511) and check `worker_connections`."
        )
        #expect(!finding.remedies.contains { $0.hasPrefix("native code:") })
    }
}
