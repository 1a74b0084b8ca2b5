import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// `free-fds` against a real multithreaded server that leaks CLOSE_WAIT sockets: it frees exactly
/// what it reports, leaves the server running and answering (its accept() restarted), never
/// stopped or traced, and refuses what it must.
@Suite(.serialized, .enabled(if: runningAsRoot, "ptrace of another process needs CAP_SYS_PTRACE"))
struct FreeFDsTests {
    /// The `free-fds --json` document for `server`, with `extra` arguments.
    static func freeFDs(_ server: CloseWaitServer, _ extra: [String] = []) throws -> (TCPDoctorRun, [String: Any]) {
        let run = try runTCPDoctor(["free-fds", "--pid", "\(server.pid)", "--json"] + extra)
        return (run, try run.json())
    }

    static func fds(_ document: [String: Any]) -> [[String: Any]] { document["fds"] as? [[String: Any]] ?? [] }

    /// Polls the dry run until it plans `count` fds (the clients' FINs arrive asynchronously).
    static func waitForPlan(_ server: CloseWaitServer, count: Int) throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let (run, document) = try freeFDs(server)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            if fds(document).count == count { return document }
            guard ContinuousClock.now < deadline else {
                throw RunError("the dry run never planned \(count): \(run.stdout)")
            }
            usleep(20_000)
        }
    }

    /// Neither left stopped nor still traced: `State:` is not `t`/`T` and `TracerPid:` is 0.
    static func expectRunning(_ server: CloseWaitServer) {
        let state = server.state ?? "gone"
        #expect(!state.hasPrefix("t") && !state.hasPrefix("T"), "state \(state)")
        #expect(server.tracerPID == 0)
    }

    @Test func closesExactlyTheCloseWaitFDsItReportsAndTheServerStillAnswers() throws {
        let server = try CloseWaitServer(threads: 3)
        try server.leak(20)
        try server.keepOne()
        let plan = try Self.waitForPlan(server, count: 20)
        #expect(plan["acted"] as? Bool == false)
        #expect(
            Self.fds(plan).allSatisfy { $0["state"] as? String == "CLOSE_WAIT" && $0["result"] as? String == "planned" }
        )
        let refused = plan["refused"] as? [[String: Any]] ?? []
        #expect(refused.map { $0["state"] as? String } == ["ESTABLISHED"], "the kept connection, without --force")
        #expect(refused.first?["reason"] as? String == "not-leaked")
        let before = try #require(server.openFDs)

        let (run, done) = try Self.freeFDs(server, ["--yes"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let freed = try #require(done["freed"] as? Int)
        #expect(freed == 20)
        #expect(Self.fds(done).allSatisfy { $0["result"] as? String == "closed" })
        let (fdsBefore, fdsAfter) = (try #require(done["fds_before"] as? Int), try #require(done["fds_after"] as? Int))
        #expect(fdsBefore - fdsAfter == freed)
        #expect(done["threads"] as? Int == 4)
        #expect((done["stopped_seconds"] as? Double ?? 0) > 0)
        #expect(server.openFDs == before - freed)
        for fd in Self.fds(done).compactMap({ $0["fd"] as? Int32 }) {
            #expect(server.link(fd) == nil, "fd \(fd) still open")
        }
        let kept = try #require(refused.first?["fd"] as? Int32)
        #expect(server.link(kept)?.hasPrefix("socket:") == true, "the ESTABLISHED fd is left alone")
        Self.expectRunning(server)
        #expect(try server.request("ping") == "pong")

        if SchemaCheck.isAvailable {
            let check = try SchemaCheck()
            try check.add(
                String(data: try JSONSerialization.data(withJSONObject: plan), encoding: .utf8) ?? "",
                schema: "free-fds",
                label: "dry-run"
            )
            try check.add(run, schema: "free-fds", label: "acted")
            let problems = try check.problems()
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func placeholdersKeepTheNumbersOnDevNullAndTheSocketsLeaveTheKernel() throws {
        let server = try CloseWaitServer(threads: 1)
        try server.leak(5)
        let plan = try Self.waitForPlan(server, count: 5)
        let inodes = Set(Self.fds(plan).compactMap { $0["inode"] as? UInt64 })
        let before = try #require(server.openFDs)

        let (run, done) = try Self.freeFDs(server, ["--yes", "--placeholder"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(done["mode"] as? String == "placeholder")
        #expect(Self.fds(done).allSatisfy { $0["result"] as? String == "replaced" })
        #expect(done["fds_before"] as? Int == done["fds_after"] as? Int)
        #expect(server.openFDs == before)
        for fd in Self.fds(done).compactMap({ $0["fd"] as? Int32 }) {
            #expect(server.link(fd) == "/dev/null", "fd \(fd)")
            // Python's sockets are close-on-exec; so is each placeholder (O_CLOEXEC, 02000000).
            let info = try String(contentsOfFile: "/proc/\(server.pid)/fdinfo/\(fd)", encoding: .utf8)
            let flags = info.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap {
                Int($0.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8)
            }
            #expect((flags ?? 0) & 0o2000000 != 0, "\(info)")
        }
        let sockets = try runTCPDoctor(["sockets", "--json"])
        let listed = Set(
            (try sockets.json()["sockets"] as? [[String: Any]] ?? []).compactMap { $0["inode"] as? UInt64 }
        )
        #expect(listed.isDisjoint(with: inodes), "the sockets are gone from the kernel's tables")
        Self.expectRunning(server)
        #expect(try server.request("ping") == "pong")
    }

    @Test func withoutTheRightToPtraceItExplainsAndChangesNothing() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        let server = try CloseWaitServer(threads: 1)
        try server.leak(2)
        _ = try Self.waitForPlan(server, count: 2)
        let before = server.openFDs
        let run = try runProgram(
            "/usr/bin/setpriv",
            ["--reuid=nobody", "--clear-groups", "--inh-caps=-all", tcpdoctorExecutable()]
                + ["free-fds", "--pid", "\(server.pid)", "--yes", "--json"]
        )
        #expect(run.status == 10, "stdout: \(run.stdout) stderr: \(run.stderr)")
        let error = try run.json()["error"] as? [String: Any]
        #expect(error?["code"] as? String == "refused")
        #expect((error?["message"] as? String)?.contains("CAP_SYS_PTRACE") == true, "\(run.stderr)")
        #expect(server.openFDs == before)
        Self.expectRunning(server)
        if SchemaCheck.isAvailable {
            let check = try SchemaCheck()
            try check.add(run, schema: "error", label: "free-fds-refused")
            let problems = try check.problems()
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func anAlreadyTracedProcessIsRefusedWithItsTracer() throws {
        let server = try CloseWaitServer(threads: 1)
        try server.leak(1)
        _ = try Self.waitForPlan(server, count: 1)
        // A debugger stand-in: a Python tracer that seizes the server and holds it.
        let tracer = try ChildProcess.python(
            """
            import ctypes, sys, time
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.ptrace(0x4206, int(sys.argv[1]), None, None) != 0: raise SystemExit('seize failed')
            print('seized', flush=True); time.sleep(600)
            """,
            "\(server.pid)"
        )
        #expect(try tracer.readLine() == "seized")
        let run = try runTCPDoctor(["free-fds", "--pid", "\(server.pid)", "--yes"])
        #expect(run.status == 10, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("already traced by pid \(tracer.pid)"), "\(run.stderr)")
    }

    @Test func closesADeadSocketFDAndLeavesTheSocketsThatAreNot() throws {
        let holder = try ResetSocketHolder()
        let deadline = ContinuousClock.now + .seconds(10)
        var planned: [[String: Any]] = []
        while ContinuousClock.now < deadline {
            let run = try runTCPDoctor(["free-fds", "--pid", "\(holder.pid)", "--json", "--dead-min-idle", "0.2"])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            planned = Self.fds(try run.json())
            if !planned.isEmpty { break }
            usleep(50_000)
        }
        #expect(planned.map { $0["fd"] as? Int32 } == [holder.resetFD], "only the reset socket is dead")
        #expect(planned.first?["state"] is NSNull)

        let run = try runTCPDoctor(["free-fds", "--pid", "\(holder.pid)", "--yes", "--json", "--dead-min-idle", "0.2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(Self.fds(try run.json()).map { $0["result"] as? String } == ["closed"])
        let link = { (fd: Int32) in
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(holder.pid)/fd/\(fd)")
        }
        #expect(link(holder.resetFD) == nil)
        #expect(link(holder.refusedFD) == "socket:[\(holder.refusedInode)]", "a refused connect() is not a leak")
    }

    @Test func aNumberOfNoSuchProcessIsRefused() throws {
        let run = try runTCPDoctor(["free-fds", "--pid", "2147483646", "--json"])
        #expect(run.status == 10)
        #expect((try run.json()["error"] as? [String: Any])?["message"] as? String == "no process 2147483646")
    }
}
