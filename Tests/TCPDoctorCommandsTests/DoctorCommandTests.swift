import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@Suite(.serialized)
struct DoctorCommandTests {
    /// 40 connections whose clients closed: this test process holds 40 CLOSE_WAIT sockets.
    static func leak(_ count: Int = 40) throws -> (LoopbackSocket, [LoopbackSocket]) {
        let listener = try LoopbackSocket.listen()
        var servers: [LoopbackSocket] = []
        for _ in 0..<count {
            let client = try LoopbackSocket.connect(to: listener.port)
            servers.append(try listener.accept())
            client.close()
        }
        // Every FIN has arrived once every server side is in CLOSE_WAIT.
        for server in servers { try server.awaitTCPState(KernelTCPState.closeWait) }
        return (listener, servers)
    }

    static func findings(_ run: TCPDoctorRun) throws -> [[String: Any]] {
        try run.json()["findings"] as? [[String: Any]] ?? []
    }

    @Test func namesTheLeakingProcessAndFailsOnlyAtTheChosenSeverity() throws {
        let held = try Self.leak()
        let me = "\(getpid())"
        let run = try runTCPDoctor(["doctor", "--json", "--pid", me, "--rule", "close-wait-leak"])
        #expect(run.status == 0, "a warning does not reach the default --fail-on critical; stderr: \(run.stderr)")
        let finding = try #require(try Self.findings(run).first)
        #expect(finding["rule"] as? String == "close-wait-leak")
        #expect(finding["severity"] as? String == "warning")
        #expect((finding["processes"] as? [[String: Any]])?.first?["pid"] as? Int32 == getpid())
        let evidence = try #require(finding["evidence"] as? [String: Any])
        #expect(evidence["count"] as? Int == 40)
        #expect(evidence["local_port"] as? Int == Int(held.0.port))
        #expect(evidence["fin_unread"] as? Int == 40, "nothing was read: Recv-Q 1 on every socket")
        #expect((finding["remedies"] as? [String])?.isEmpty == false)

        let strict = try runTCPDoctor(["doctor", "--json", "--pid", me, "--fail-on", "warning"])
        #expect(strict.status == 1)
        #expect(try strict.json()["failed"] as? Bool == true)

        let table = try runTCPDoctor(["doctor", "--pid", me, "--rule", "close-wait-leak"])
        #expect(table.stdout.contains("WARNING"))
        #expect(table.stdout.contains("pid \(getpid())"))
        #expect(table.stdout.contains("  fix: - "))
        let verbose = try runTCPDoctor(["doctor", "--verbose", "--pid", me, "--rule", "close-wait-leak"])
        #expect(verbose.stdout.contains("what to change:"))
        withExtendedLifetime(held) {}
    }

    @Test func thresholdsMoveTheLine() throws {
        let held = try Self.leak()
        let run = try runTCPDoctor([
            "doctor", "--json", "--pid", "\(getpid())", "--rule", "close-wait-leak", "--threshold",
            "close-wait.warning=1000",
        ])
        #expect(run.status == 0)
        #expect(try Self.findings(run).isEmpty)
        let critical = try runTCPDoctor([
            "doctor", "--json", "--pid", "\(getpid())", "--rule", "close-wait-leak", "--threshold",
            "close-wait.critical=20",
        ])
        #expect(critical.status == 1)
        #expect(try Self.findings(critical).first?["severity"] as? String == "critical")
        withExtendedLifetime(held) {}
    }

    /// A process of its own: the test process is shared with every other test, whose sockets
    /// (a hundred HTTP clients reading their answers, say) may sit in CLOSE_WAIT at that moment.
    @Test func aQuietProcessGetsTheAllClear() throws {
        let quiet = try ChildProcess.python(
            """
            import socket, time
            listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen()
            print("ready", flush=True)
            time.sleep(60)
            """
        )
        #expect(try quiet.readLine(timeout: 10) == "ready")
        let run = try runTCPDoctor(["doctor", "--pid", "\(quiet.pid)", "--rule", "close-wait-leak"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("No problems found"), "\(run.stdout)")
        withExtendedLifetime(quiet) {}
    }

    @Test(arguments: [
        (["doctor", "--threshold", "close-wait.sometimes=3"], "unknown threshold"),
        (["doctor", "--threshold", "close-wait.warning"], "KEY=VALUE"),
        (["doctor", "--rule", "everything"], "unknown rule 'everything'"),
        (["doctor", "--fail-on", "panic"], "panic"),
    ])
    func usageErrorsExit64(arguments: [String], message: String) throws {
        let run = try runTCPDoctor(arguments)
        #expect(run.status == 64)
        #expect(run.stderr.contains(message))
    }

    @Test func listsRulesAndThresholds() throws {
        let run = try runTCPDoctor(["doctor", "--list-rules", "--list-thresholds"])
        #expect(run.status == 0)
        for rule in [
            "close-wait-leak", "dead-socket-fds", "fd-exhaustion", "shared-socket", "time-wait", "kernel-settings",
        ] {
            #expect(run.stdout.contains(rule))
        }
        for key in ThresholdKey.allCases {
            #expect(run.stdout.contains(key.rawValue), "\(key.rawValue) is listed by --list-thresholds")
            #expect(run.stdout.contains(key.meaning), "\(key.rawValue) has its meaning listed")
        }
    }

    @Test func noArgumentsRunsTheDoctor() throws {
        let run = try runTCPDoctor(["--json", "--rule", "listen-backlog"])
        #expect(run.status == 0 || run.status == 1)
        #expect(try run.json()["fail_on"] as? String == "critical")
    }

    @Test func versionIsPrintedNotTheDoctor() throws {
        let run = try runTCPDoctor(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\n") == ["0.1.0"], "stdout: \(run.stdout)")
    }
}
