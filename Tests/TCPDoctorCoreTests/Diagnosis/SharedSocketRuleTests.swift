import Testing

@testable import TCPDoctorCore

struct SharedSocketRuleTests {
    let rule = SharedSocketRule()

    /// A forking server whose parent (100) keeps the accepted fds its child (101) serves.
    func forkingServer(runtime: Runtime? = .cpython) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.process(100, "python3", runtime: runtime)
        builder.process(101, "python3", runtime: runtime, parent: 100)
        builder.listener(port: 8000, pids: [100, 101])
        builder.add(8, .closeWait, localPort: { _ in 8000 }, remotePort: { UInt16(50_000 + $0) }, pids: [100, 101])
        builder.add(2, .established, localPort: { _ in 8000 }, remotePort: { UInt16(51_000 + $0) }, pids: [100, 101])
        builder.add(5, .established, pids: [100])
        return builder
    }

    @Test func namesTheParentAndTheChild() throws {
        let findings = rule.diagnose(forkingServer().input())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "shared-socket")
        #expect(finding.severity == .warning)
        #expect(finding.processes.map(\.pid) == [100, 101])
        #expect(
            finding.summary
                == "python3 (pid 100) and its child python3 (pid 101) both hold 10 TCP connections (8 CLOSE_WAIT, 2 ESTABLISHED): a fork kept the fd"
        )
        #expect(finding.integer("count") == 10)
        #expect(
            finding[evidence: "states"] == .object([EvidenceField("close_wait", 8), EvidenceField("established", 2)])
        )
        #expect(finding.why.contains("the classic forking server"))
        #expect(finding.why.contains("They share 1 listening socket too"))
        guard case .list(let samples) = finding[evidence: "sample_connections"] else {
            Issue.record("no sample connections")
            return
        }
        #expect(samples.count == 5)
        #expect(samples.first == .text("10.0.0.5:8000 -> 10.0.0.9:50000 CLOSE_WAIT"))
    }

    @Test func listenersSharedByPreForkWorkersAreNormal() {
        var builder = SnapshotBuilder()
        builder.process(1, "nginx", runtime: .native, server: "nginx")
        for worker: Int32 in 2...5 { builder.process(worker, "nginx", runtime: .native, server: "nginx", parent: 1) }
        builder.listener(port: 80, pids: [1, 2, 3, 4, 5])
        builder.listener(port: 443, pids: [1, 2, 3, 4, 5])
        builder.add(40, .established, localPort: { _ in 80 }, remotePort: { UInt16(50_000 + $0) }, pids: [3])
        #expect(rule.diagnose(builder.input()).isEmpty)
    }

    @Test func sharedNonTCPSocketsAreIgnored() {
        var builder = SnapshotBuilder()
        builder.process(10, "dbus-daemon")
        builder.process(11, "systemd")
        // A Unix socket: in the fd walk's owner table, in no TCP dump.
        builder.owners[99] = [SocketOwner(pid: 10, fd: 4), SocketOwner(pid: 11, fd: 9)]
        #expect(rule.diagnose(builder.input()).isEmpty)
    }

    @Test func unrelatedHoldersSuggestAMissingCloseOnExec() throws {
        var builder = SnapshotBuilder()
        builder.process(200, "app", runtime: .native)
        builder.process(300, "helper", runtime: .native, parent: 1)
        builder.add(3, .established, pids: [200, 300])
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.summary == "app (pid 200) and helper (pid 300) both hold 3 TCP connections (3 ESTABLISHED)")
        #expect(finding.why.contains("close-on-exec (SOCK_CLOEXEC)"))
        #expect(
            finding.remedies.first?.hasPrefix("native code: call close(connfd) in the parent right after fork()")
                == true
        )
    }

    @Test func groupsBySetOfHolders() {
        var builder = SnapshotBuilder()
        for pid: Int32 in [1, 2, 3] { builder.process(pid, "w\(pid)") }
        builder.add(2, .established, pids: [1, 2, 3])
        builder.add(4, .established, pids: [1, 2])
        let findings = rule.diagnose(builder.input())
        #expect(findings.map { $0.processes.map(\.pid) } == [[1, 2], [1, 2, 3]])
        #expect(findings.last?.summary.contains("all hold 2 TCP connections") == true)
    }

    @Test func thresholdIsOverridable() {
        #expect(rule.diagnose(forkingServer().input(overrides: ["shared-socket.warning": 11])).isEmpty)
        #expect(rule.diagnose(forkingServer().input(overrides: ["shared-socket.warning": 10])).count == 1)
    }

    @Test func remediesFollowTheRuntime() throws {
        let python = try #require(rule.diagnose(forkingServer().input()).first)
        #expect(python.remedies.first?.contains("close_fds=True") == true)
        #expect(python.remedies.contains { $0.contains("shutdown(SHUT_RDWR)") })
        let unknown = try #require(rule.diagnose(forkingServer(runtime: nil).input()).first)
        #expect(unknown.remedies.first?.hasPrefix("After fork(), close the accepted connection") == true)
        #expect(unknown.remedies.last?.contains("was not recognised") == true)
    }
}
