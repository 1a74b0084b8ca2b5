import Testing

@testable import TCPDoctorCore

struct CloseWaitLeakRuleTests {
    let rule = CloseWaitLeakRule()

    /// A Java client that read EOF from 10.0.0.9:8080 `count` times and never closed.
    func clientLeak(
        _ count: Int,
        recvQ: @escaping (Int) -> UInt32 = { _ in 0 },
        limit: UInt64? = 1024
    ) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.process(100, "java", openFiles: count + 30, limit: limit, runtime: .jvm)
        builder.add(count, .closeWait, recvQ: recvQ, pids: [100])
        builder.add(20, .established, pids: [100])
        return builder
    }

    @Test func namesTheProcessThePeerAndTheBug() throws {
        let findings = rule.diagnose(clientLeak(40).input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "close-wait-leak")
        #expect(finding.severity == .warning)
        #expect(finding.processes == [Finding.Process(pid: 100, command: "java")])
        #expect(finding.netns?.label == "host")
        #expect(
            finding.summary
                == "java (pid 100) leaks 40 CLOSE_WAIT sockets toward 10.0.0.9:8080: it read EOF and never called close()"
        )
        #expect(finding.integer("count") == 40)
        #expect(finding.text("peer") == "10.0.0.9:8080")
        #expect(finding.integer("eof_not_closed") == 40)
        #expect(finding.integer("fd_limit_soft") == 1024)
        #expect(finding.text("runtime") == "Java (JVM)")
        #expect(finding.why.contains("only the application's close()"))
    }

    @Test func quietUnderTheThresholdAndOnAHealthyHost() {
        #expect(rule.diagnose(clientLeak(5).input()).isEmpty)
        var healthy = SnapshotBuilder()
        healthy.process(100, "java")
        healthy.add(500, .established, pids: [100])
        healthy.add(300, .timeWait, orphan: true)
        #expect(rule.diagnose(healthy.input()).isEmpty)
    }

    @Test func criticalByCountOrByShareOfTheFileLimit() throws {
        let many = try #require(rule.diagnose(clientLeak(150).input()).first)
        #expect(many.severity == .critical)
        // 40 sockets under a soft limit of 64 use 62% of it.
        let tight = try #require(rule.diagnose(clientLeak(40, limit: 64).input()).first)
        #expect(tight.severity == .critical)
        #expect(tight[evidence: "fd_limit_share"] == .number(0.625))
        #expect(tight.why.contains("63% of its open-file soft limit (64)"))
    }

    @Test func thresholdsAreOverridable() throws {
        let input = clientLeak(5).input(overrides: ["close-wait.warning": 3, "close-wait.critical": 5])
        let finding = try #require(rule.diagnose(input).first)
        #expect(finding.severity == .critical)
        #expect(rule.diagnose(clientLeak(40).input(overrides: ["close-wait.warning": 50])).isEmpty)
    }

    @Test(arguments: [
        (UInt32(1), "fin_unread", "the FIN is unread (it stopped reading these sockets)", "stopped reading the socket"),
        (UInt32(0), "eof_not_closed", "it read EOF and never called close()", "never called close()"),
        (UInt32(513), "data_unread", "unread data plus the FIN (it stopped reading mid-stream)", "middle of a message"),
    ])
    func recvQTellsTheBug(recvQ: UInt32, key: String, diagnosis: String, explanation: String) throws {
        let finding = try #require(rule.diagnose(clientLeak(12, recvQ: { _ in recvQ }).input()).first)
        #expect(finding.integer(key) == 12)
        #expect(finding.text("diagnosis") == diagnosis)
        #expect(finding.summary.hasSuffix(diagnosis))
        #expect(finding.why.contains(explanation))
        if recvQ > 1 { #expect(finding.integer("unread_bytes") == Int64(12 * 512)) }
    }

    @Test func mixedGroupsReportTheMix() throws {
        let finding = try #require(
            rule.diagnose(clientLeak(30, recvQ: { UInt32($0 % 3 == 2 ? 100 : $0 % 3) }).input()).first
        )
        #expect(finding.integer("fin_unread") == 10)
        #expect(finding.integer("eof_not_closed") == 10)
        #expect(finding.integer("data_unread") == 10)
        #expect(
            finding.text("diagnosis")
                == "mixed: 10 with the FIN unread, 10 read to EOF but not closed, 10 with unread data"
        )
        #expect(finding.why.contains("mixes bugs"))
    }

    @Test func aServerIsGroupedByItsListeningPort() throws {
        var builder = SnapshotBuilder()
        builder.process(7, "python3", runtime: .cpython)
        builder.listener(port: 8000, pids: [7])
        builder.add(
            30,
            .closeWait,
            localPort: { _ in 8000 },
            remote: "10.0.0.20",
            remotePort: { UInt16(50_000 + $0) },
            recvQ: { _ in 1 },
            pids: [7]
        )
        builder.add(
            12,
            .closeWait,
            localPort: { _ in 8000 },
            remote: "10.0.0.21",
            remotePort: { UInt16(50_000 + $0) },
            recvQ: { _ in 1 },
            pids: [7]
        )
        let findings = rule.diagnose(builder.input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(
            finding.summary.hasPrefix(
                "python3 (pid 7) leaks 42 CLOSE_WAIT sockets on its listening port :8000 (2 peers)"
            )
        )
        #expect(finding.integer("local_port") == 8000)
        #expect(finding.integer("distinct_peers") == 2)
        #expect(finding.why.contains("Grouped by the listening port :8000"))
        #expect(finding.remedies.contains { $0.hasPrefix("Python (CPython): use `with` blocks") })
    }

    @Test func aPeerOnVaryingPortsIsNamedByAddress() throws {
        var builder = SnapshotBuilder()
        builder.process(9, "worker")
        builder.add(15, .closeWait, localPort: { _ in 7000 }, remotePort: { UInt16(30_000 + $0) }, pids: [9])
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.text("peer") == "10.0.0.9 (various ports)")
    }

    @Test func ageIsAnEstimateFromTCPInfo() throws {
        var builder = clientLeak(0)
        builder.add(10, .closeWait, pids: [100], info: TCPInfoSummary(lastDataReceivedMilliseconds: 3_725_000))
        builder.add(2, .closeWait, pids: [100], info: TCPInfoSummary(lastDataReceivedMilliseconds: 5_000))
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.integer("oldest_age_seconds_estimate") == 3725)
        #expect(finding.integer("median_age_seconds_estimate") == 3725)
        #expect(finding.why.contains("about 1 h 2 min ago: an estimate"))
        #expect(rule.diagnose(clientLeak(12).input()).first?[evidence: "oldest_age_seconds_estimate"] == nil)
    }

    @Test func unknownOwnersAreSaidSo() throws {
        var builder = SnapshotBuilder()
        builder.coverage = Coverage(
            privileged: false,
            ownersScanned: true,
            processesUnreadable: [Coverage.UnreadableProcess(pid: 55, command: "secret", reason: "permission denied")]
        )
        builder.add(25, .closeWait, recvQ: { _ in 1 })
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.processes.isEmpty)
        #expect(finding.summary.hasPrefix("25 CLOSE_WAIT sockets toward 10.0.0.9:8080 have no visible owner"))
        #expect(finding.why.contains("1 processes could not be inspected. Run as root to see them."))
        #expect(finding.remedies.last == "The owning process is unknown, so this advice is generic.")
    }

    @Test func connectionsClosedBeforeAcceptBlameTheListener() throws {
        var builder = SnapshotBuilder()
        builder.process(7, "slowserver")
        builder.listener(port: 9000, pids: [7], queued: 12, backlog: 16)
        builder.add(
            12,
            .closeWait,
            localPort: { _ in 9000 },
            remotePort: { UInt16(50_000 + $0) },
            recvQ: { _ in 1 },
            orphan: true
        )
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.summary.hasPrefix("12 connections on its listening port :9000"))
        #expect(finding.summary.hasSuffix("were closed by their clients before accept()"))
        #expect(finding.processes == [Finding.Process(pid: 7, command: "slowserver")])
        #expect(finding.why.contains("accept queue"))
        #expect(finding.remedies.contains { $0.hasPrefix("Accept faster") })
    }

    @Test func aSocketHeldByTwoProcessesCountsForEach() {
        var builder = SnapshotBuilder()
        builder.process(100, "app")
        builder.process(101, "app", parent: 100)
        builder.add(12, .closeWait, pids: [100, 101])
        let findings = rule.diagnose(builder.input())
        #expect(findings.map { $0.processes.map(\.pid) } == [[100], [101]])
    }

    @Test func aHolderThatVanishedIsStillNamedByPID() throws {
        var builder = SnapshotBuilder()
        builder.add(12, .closeWait, pids: [77])
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.processes == [Finding.Process(pid: 77, command: "?")])
        #expect(finding.summary.hasPrefix("? (pid 77) leaks 12 CLOSE_WAIT sockets"))
        #expect(finding.remedies.last == "Pid 77 could not be read (it may have exited), so this advice is generic.")
    }

    @Test func keepaliveIsCorrectedAndItsSettingsQuoted() throws {
        var builder = clientLeak(12)
        builder.facts = NamespaceFacts(sysctls: [
            "net.ipv4.tcp_keepalive_time": "7200", "net.ipv4.tcp_keepalive_intvl": "75",
            "net.ipv4.tcp_keepalive_probes": "9", "net.ipv4.tcp_fin_timeout": "60",
        ])
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.why.contains("Keepalive does not fix it"))
        #expect(finding.why.contains("its fd stays leaked"))
        #expect(
            finding.quotedSettings
                == ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]
        )
    }

    @Test func remediesFollowTheRuntime() throws {
        let java = try #require(rule.diagnose(clientLeak(12).input()).first)
        // The runtime's fixes first, then where to look for this Recv-Q, then the generic advice
        // that Java's lines do not already say (closing on EOF and idle timeouts they do).
        #expect(java.remedies.first?.hasPrefix("Java (JVM): close every response") == true)
        #expect(java.remedies[2].hasPrefix("Find the end-of-stream branch"))
        #expect(!java.remedies.contains { $0.hasPrefix("Close the socket as soon as read() returns 0") })
        #expect(!java.remedies.contains { $0.hasPrefix("Give every connection an idle or read timeout") })
        #expect(java.remedies.contains { $0.hasPrefix("Restarting the process") })
        #expect(Set(java.remedies).count == java.remedies.count)
        var unknown = SnapshotBuilder()
        unknown.process(100, "mystery")
        unknown.add(12, .closeWait, pids: [100])
        let generic = try #require(rule.diagnose(unknown.input()).first)
        #expect(!generic.remedies.contains { $0.contains("try-with-resources") })
        #expect(generic.remedies.contains { $0.hasPrefix("Close the socket as soon as read() returns 0") })
        #expect(
            generic.remedies.last == "The runtime of mystery (pid 100) was not recognised, so this advice is generic."
        )
        #expect(generic.text("runtime") == "not recognised")
    }
}
