import Testing

@testable import TCPDoctorCore

struct FDExhaustionRuleTests {
    let rule = FDExhaustionRule()

    /// A process with `openFiles` of 1024, 900 of them CLOSE_WAIT, 20 ESTABLISHED and 10 dead.
    func nearLimit(openFiles: Int = 980, runtime: Runtime? = .cpython, server: String? = nil) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.process(300, "python3", openFiles: openFiles, limit: 1024, hard: 4096, runtime: runtime, server: server)
        builder.add(900, .closeWait, pids: [300])
        builder.add(20, .established, pids: [300])
        builder.dead(10, pid: 300)
        builder.process(301, "idle", openFiles: 10)
        builder.add(2, .established, pids: [301])
        return builder
    }

    @Test func saysWhatHoldsTheDescriptors() throws {
        let host = HostFacts(
            fileHandlesAllocated: 12_000,
            fileHandlesMaximum: 9_223_372_036_854_775_807,
            nrOpen: 1_048_576
        )
        let findings = rule.diagnose(nearLimit().input(host: host))
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "fd-exhaustion")
        #expect(finding.severity == .critical)
        #expect(finding.processes == [Finding.Process(pid: 300, command: "python3")])
        #expect(
            finding.summary
                == "python3 (pid 300) uses 980 of its 1024 open files (96%), mostly CLOSE_WAIT sockets (900)"
        )
        #expect(finding.integer("count") == 980)
        #expect(finding.integer("fd_limit_hard") == 4096)
        #expect(finding.integer("nr_open") == 1_048_576)
        #expect(
            finding[evidence: "tcp_socket_fds"]
                == .object([EvidenceField("close_wait", 900), EvidenceField("established", 20)])
        )
        #expect(finding.integer("dead_socket_fds") == 10)
        #expect(finding.integer("other_files") == 50)
        #expect(finding.integer("system_file_handles") == 12_000)
        #expect(finding.why.contains("EMFILE"))
        #expect(
            finding.why.contains(
                "up to the hard limit (4096) without privilege; no hard limit can exceed fs.nr_open (1048576)"
            )
        )
    }

    @Test func fixTheLeakBeforeRaisingTheLimit() throws {
        let finding = try #require(rule.diagnose(nearLimit().input()).first)
        #expect(finding.remedies.first == "The CLOSE_WAIT sockets are the leak: see close-wait-leak.")
        #expect(finding.remedies.contains { $0.hasPrefix("Python (CPython): use `with` blocks") })
        let fix = try #require(finding.remedies.firstIndex { $0.hasPrefix("Fix the leak first") })
        let raise = try #require(finding.remedies.firstIndex { $0.contains("LimitNOFILE=") })
        #expect(fix < raise)
        #expect(finding.remedies[raise].contains("ulimit -n"))
    }

    @Test func severityFollowsTheShare() throws {
        #expect(try #require(rule.diagnose(nearLimit(openFiles: 870).input()).first).severity == .warning)
        #expect(rule.diagnose(nearLimit(openFiles: 940).input()).first?.severity == .warning)
        #expect(rule.diagnose(nearLimit(openFiles: 973).input()).first?.severity == .critical)
        #expect(rule.diagnose(nearLimit(openFiles: 500).input()).isEmpty)
        #expect(rule.diagnose(nearLimit(openFiles: 500).input(overrides: ["fd.warning": 0.4])).count == 1)
    }

    @Test func quietWithoutALimitOrOnAHealthyHost() {
        var unlimited = SnapshotBuilder()
        unlimited.process(1, "init", openFiles: 5_000, limit: nil)
        #expect(rule.diagnose(unlimited.input()).isEmpty)
        var healthy = SnapshotBuilder()
        healthy.process(2, "nginx", openFiles: 100, limit: 65_536)
        healthy.add(80, .established, pids: [2])
        #expect(
            rule.diagnose(healthy.input(host: HostFacts(fileHandlesAllocated: 3000, fileHandlesMaximum: 800_000)))
                .isEmpty
        )
    }

    @Test func otherFilesPointAtTheFDDirectory() throws {
        var builder = SnapshotBuilder()
        builder.process(400, "indexer", openFiles: 1000, limit: 1024)
        builder.add(3, .established, pids: [400])
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.summary.hasSuffix("mostly other files (997)"))
        #expect(finding.remedies.first?.contains("`ls -l /proc/400/fd`") == true)
        #expect(
            finding.remedies.last == "The runtime of indexer (pid 400) was not recognised, so this advice is generic."
        )
    }

    @Test func runtimeAndServerSpecificLimits() throws {
        let java = try #require(rule.diagnose(nearLimit(runtime: .jvm).input()).first)
        #expect(java.remedies.contains { $0.contains("-XX:+MaxFDLimit") })
        let nginx = try #require(rule.diagnose(nearLimit(runtime: .native, server: "nginx").input()).first)
        #expect(nginx.remedies.contains { $0.hasPrefix("nginx: `worker_rlimit_nofile`") })
        #expect(nginx.text("runtime") == "nginx (native code)")
    }

    @Test func theSystemFileTable() throws {
        var builder = SnapshotBuilder()
        builder.process(500, "big", openFiles: 90_000, limit: nil)
        let host = HostFacts(fileHandlesAllocated: 96_000, fileHandlesMaximum: 100_000)
        let finding = try #require(rule.diagnose(builder.input(host: host)).first)
        #expect(finding.severity == .critical)
        #expect(finding.summary == "the system has 96000 of fs.file-max 100000 file handles allocated (96%)")
        #expect(finding.processes.map(\.pid) == [500])
        #expect(finding.why.contains("ENFILE"))
        let warning = HostFacts(fileHandlesAllocated: 85_000, fileHandlesMaximum: 100_000)
        #expect(rule.diagnose(builder.input(host: warning)).first?.severity == .warning)
    }
}
