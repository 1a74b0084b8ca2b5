import Testing

@testable import TCPDoctorCore

/// Both ends of local connections: the findings about each name the process at the other end
/// and link to each other, on built snapshots.
struct LocalPeerTests {
    /// Server pid 4121 leaks `count` CLOSE_WAIT on 127.0.0.1:43769; its clients' ends are orphaned
    /// FIN_WAIT2 sockets on this host, in namespace `clientNetns` (the server's by default).
    func loopbackLeak(_ count: Int = 120, clientNetns: UInt64 = SnapshotBuilder.hostNamespace) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.process(4121, "server", runtime: .native)
        builder.listener(port: 43769, pids: [4121], address: "127.0.0.1")
        builder.add(
            count,
            .closeWait,
            local: "127.0.0.1",
            localPort: { _ in 43769 },
            remote: "127.0.0.1",
            remotePort: { UInt16(50_000 + $0) },
            recvQ: { _ in 1 },
            pids: [4121]
        )
        builder.netns = clientNetns
        builder.add(
            count,
            .finWait2,
            local: "127.0.0.1",
            localPort: { UInt16(50_000 + $0) },
            remote: "127.0.0.1",
            remotePort: { _ in 43769 },
            orphan: true
        )
        return builder
    }

    @Test func aFinWait2PileNamesTheLocalServerAndLinksToItsFinding() throws {
        let findings = Doctor.diagnose(loopbackLeak().input())
        let closeWait = try #require(findings.first { $0.rule == "close-wait-leak" })
        let finWait2 = try #require(findings.first { $0.rule == "fin-wait2" })
        #expect(closeWait.id == "close-wait-leak/4121/43769")
        #expect(finWait2.id == "fin-wait2/127.0.0.1")
        #expect(finWait2.related == [closeWait.id])
        #expect(closeWait.related == [finWait2.id])
        #expect(finWait2.summary.hasSuffix(": server (pid 4121) on this host leaks CLOSE_WAIT"))
        #expect(
            finWait2.remedies.first
                == "Fix pid 4121 (server) on this host, which holds CLOSE_WAIT on the other end (see finding close-wait-leak/4121/43769): its close-wait-leak finding names the change."
        )
        #expect(!finWait2.remedies.contains { $0.contains("run tcpdoctor on the host of") })
        #expect(finWait2.why.contains("the peer 127.0.0.1:43769, server (pid 4121) on this host, is in CLOSE_WAIT"))
        #expect(
            finWait2[evidence: "local_peers"]
                == .list([
                    .object([
                        EvidenceField("pid", 4121), EvidenceField("command", "server"),
                        EvidenceField("state", "CLOSE_WAIT"), EvidenceField("count", 120),
                        EvidenceField("netns", .integer(4_026_531_840)), EvidenceField("netns_label", "host"),
                    ])
                ])
        )
        #expect(closeWait.why.contains("The other ends are on this host, in FIN_WAIT2: 120 orphaned sockets"))
    }

    @Test func aLeakingServerNamesItsLocalClientThatStillHoldsItsEnd() throws {
        var builder = SnapshotBuilder()
        builder.process(4121, "server", runtime: .native)
        builder.process(4200, "uploader", runtime: .go)
        builder.listener(port: 43769, pids: [4121], address: "127.0.0.1")
        builder.add(
            12,
            .closeWait,
            local: "127.0.0.1",
            localPort: { _ in 43769 },
            remote: "127.0.0.1",
            remotePort: { UInt16(50_000 + $0) },
            pids: [4121]
        )
        // The client shut down writing and still holds its ends, in FIN_WAIT2.
        builder.add(
            12,
            .finWait2,
            local: "127.0.0.1",
            localPort: { UInt16(50_000 + $0) },
            remote: "127.0.0.1",
            remotePort: { _ in 43769 },
            pids: [4200]
        )
        let closeWait = try #require(Doctor.diagnose(builder.input()).first { $0.rule == "close-wait-leak" })
        #expect(closeWait.why.contains("The other ends are on this host, in FIN_WAIT2: uploader (pid 4200);"))
        #expect(
            closeWait[evidence: "local_peers"]
                == .list([
                    .object([
                        EvidenceField("pid", 4200), EvidenceField("command", "uploader"),
                        EvidenceField("state", "FIN_WAIT2"), EvidenceField("count", 12),
                        EvidenceField("netns", .integer(4_026_531_840)), EvidenceField("netns_label", "host"),
                    ])
                ])
        )
        // 12 FIN_WAIT2 are below fin-wait2.warning: nothing to link to.
        #expect(closeWait.related.isEmpty)
    }

    @Test func withoutTheCloseWaitFindingTheRemedyNamesTheProcessButNoFinding() throws {
        let input = loopbackLeak().input(overrides: ["close-wait.warning": 1000])
        let finWait2 = try #require(Doctor.diagnose(input).first { $0.rule == "fin-wait2" })
        #expect(finWait2.related.isEmpty)
        #expect(
            finWait2.remedies.first
                == "Fix pid 4121 (server) on this host, which holds CLOSE_WAIT on the other end: its close-wait-leak finding names the change."
        )
    }

    @Test func loopbackNeverMatchesAcrossNamespaces() throws {
        let findings = Doctor.diagnose(loopbackLeak(clientNetns: 4_026_532_999).input())
        let finWait2 = try #require(findings.first { $0.rule == "fin-wait2" })
        #expect(finWait2.related.isEmpty)
        #expect(finWait2.remedies.first?.contains("run tcpdoctor on the host of 127.0.0.1:43769") == true)
        #expect(finWait2[evidence: "local_peers"] == nil)
    }

    /// A container (its own namespace, 10.88.0.2) whose client leaks toward the host's 10.88.0.1.
    func bridged() -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.process(300, "server", runtime: .go)
        builder.listener(port: 8080, pids: [300])
        builder.add(
            110,
            .finWait2,
            local: "10.88.0.1",
            localPort: { _ in 8080 },
            remote: "10.88.0.2",
            remotePort: { UInt16(40_000 + $0) },
            orphan: true
        )
        Self.container(4_026_533_000, client: 301, in: &builder)
        return builder
    }

    /// A container in namespace `netns` whose `client` holds 110 CLOSE_WAIT from 10.88.0.2 to the host.
    static func container(_ netns: UInt64, client: Int32, in builder: inout SnapshotBuilder) {
        builder.netns = netns
        builder.process(client, "client", runtime: .jvm)
        builder.add(
            110,
            .closeWait,
            local: "10.88.0.2",
            localPort: { UInt16(40_000 + $0) },
            remote: "10.88.0.1",
            remotePort: { _ in 8080 },
            pids: [client]
        )
    }

    @Test func anotherNamespaceMatchesByItsOwnAddresses() throws {
        let findings = Doctor.diagnose(bridged().input())
        let finWait2 = try #require(findings.first { $0.rule == "fin-wait2" })
        let closeWait = try #require(findings.first { $0.rule == "close-wait-leak" })
        #expect(closeWait.id == "close-wait-leak/301/10.88.0.1@4026533000")
        #expect(finWait2.id == "fin-wait2/8080")
        #expect(finWait2.related == [closeWait.id])
        #expect(closeWait.related == [finWait2.id])
        #expect(finWait2.remedies.first?.hasPrefix("Fix pid 301 (client) on this host") == true)
    }

    @Test func twoNamespacesWithTheSameAddressesAreNotGuessed() throws {
        var builder = bridged()
        // A second container with the same private address and the same ports: ambiguous.
        Self.container(4_026_533_001, client: 302, in: &builder)
        let finWait2 = try #require(Doctor.diagnose(builder.input()).first { $0.rule == "fin-wait2" })
        #expect(finWait2.related.isEmpty)
        #expect(finWait2.remedies.first?.contains("run tcpdoctor on the host of") == true)
    }

    @Test func timeWaitTowardALocalListenerNamesTheServer() throws {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(sysctls: ["net.ipv4.ip_local_port_range": "40000 40999"])
        builder.process(500, "api", runtime: .node)
        builder.process(501, "loadgen", runtime: .go)
        builder.listener(port: 9000, pids: [500], address: "127.0.0.1")
        builder.add(
            700,
            .timeWait,
            local: "127.0.0.1",
            remote: "127.0.0.1",
            remotePort: { _ in 9000 },
            orphan: true
        )
        builder.add(
            5,
            .established,
            local: "127.0.0.1",
            localPort: { UInt16(40_900 + $0) },
            remote: "127.0.0.1",
            remotePort: { _ in 9000 },
            pids: [501]
        )
        let finding = try #require(Doctor.diagnose(builder.input()).first { $0.rule == "time-wait" })
        #expect(finding.summary.hasSuffix("(the server is api (pid 500) on this host)"))
        #expect(finding[evidence: "local_server"] == .list([.text("api (pid 500)")]))
        #expect(
            finding.remedies.first?.hasPrefix(
                "Both ends are on this host: fix loadgen (pid 501), which opens and closes a connection per request toward api (pid 500) on :9000;"
            ) == true
        )
        // No TIME_WAIT pile on the server's port, so no finding to link to.
        #expect(finding.related.isEmpty)
        #expect(!finding.remedies.contains { $0.contains("see finding") })
    }
}
