import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// A process under a seccomp filter is refused without --force; with it, a call the filter
/// refuses is reported per fd, and a filter that kills on it ends in a clear report.
@Suite(.serialized, .enabled(if: runningAsRoot, "ptrace of another process needs CAP_SYS_PTRACE"))
struct FreeFDsSeccompTests {
    /// A holder of one CLOSE_WAIT fd whose filter answers close(2) and close_range(2) with
    /// `action` (x86_64 numbers 3 and 436; the test runs on x86_64 only).
    static func holder(action: String) throws -> ChildProcess {
        try ChildProcess.python(
            """
            import ctypes, socket, struct, sys, time
            listener = socket.socket(); listener.bind(('127.0.0.1', 0)); listener.listen()
            client = socket.create_connection(listener.getsockname()); leaked, _ = listener.accept()
            client.close()
            action = int(sys.argv[1], 16)
            code = [(0x20, 0, 0, 0), (0x15, 2, 0, 436), (0x15, 1, 0, 3), (0x06, 0, 0, 0x7fff0000), (0x06, 0, 0, action)]
            program = b''.join(struct.pack('HBBI', *line) for line in code)
            buffer = ctypes.create_string_buffer(program)
            fprog = struct.pack('HxxxxxxQ', len(code), ctypes.addressof(buffer))
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(38, 1, 0, 0, 0) != 0: raise SystemExit('no_new_privs')
            if libc.prctl(22, 2, ctypes.c_char_p(fprog), 0, 0) != 0: raise SystemExit('seccomp')
            print('ready', leaked.fileno(), flush=True)
            time.sleep(600)
            """,
            action
        )
    }

    static func waitForPlan(_ pid: Int32, force: Bool) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let run = try runTCPDoctor(["free-fds", "--pid", "\(pid)", "--json"] + (force ? ["--force"] : []))
            if (try? run.json()["fds"] as? [[String: Any]])??.count == 1 { return }
            guard ContinuousClock.now < deadline else { throw RunError("never planned: \(run.stdout) \(run.stderr)") }
            usleep(20_000)
        }
    }

    @Test(.enabled(if: isX86_64)) func refusedWithoutForceAndAnEPERMIsReportedPerFD() throws {
        let process = try Self.holder(action: "0x50001")  // SECCOMP_RET_ERRNO | EPERM
        let fd = try #require(Int32(try process.readLine().split(separator: " ").last ?? ""))
        let refused = try runTCPDoctor(["free-fds", "--pid", "\(process.pid)", "--yes"])
        #expect(refused.status == 10)
        #expect(refused.stderr.contains("seccomp"), "\(refused.stderr)")

        try Self.waitForPlan(process.pid, force: true)
        let run = try runTCPDoctor(["free-fds", "--pid", "\(process.pid)", "--yes", "--force", "--json"])
        #expect(run.status == 11, "stderr: \(run.stderr)")
        let outcome = (try run.json()["fds"] as? [[String: Any]])?.first
        #expect(outcome?["result"] as? String == "failed")
        #expect(outcome?["call"] as? String == "close")
        #expect(outcome?["errno"] as? Int32 == EPERM)
        #expect(
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process.pid)/fd/\(fd)"))?
                .hasPrefix("socket:") == true
        )
        let status = try String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)
        #expect(status.contains("TracerPid:\t0\n") && !status.contains("(tracing stop)"))
    }

    @Test(.enabled(if: isX86_64)) func aFilterThatKillsEndsInAClearReport() throws {
        let process = try Self.holder(action: "0x80000000")  // SECCOMP_RET_KILL_PROCESS
        _ = try process.readLine()
        try Self.waitForPlan(process.pid, force: true)
        let run = try runTCPDoctor(["free-fds", "--pid", "\(process.pid)", "--yes", "--force", "--json"])
        #expect(run.status == 11, "stderr: \(run.stderr)")
        let failure = try run.json()["failure"] as? [String: Any]
        #expect(failure?["step"] as? String == "exit")
        #expect((failure?["message"] as? String)?.contains("SIGSYS") == true, "\(failure ?? [:])")
        #expect(run.stderr.contains("exited during free-fds"), "\(run.stderr)")
    }
}

#if arch(x86_64)
let isX86_64 = true
#else
let isX86_64 = false
#endif
