import Foundation
import Glibc
import Testing

/// `tcpdoctor lab` as users run it: argv, output, signals and exit status.
@Suite(.serialized)
struct LabCommandTests {
    @Test func listShowsEveryScenarioWithItsRule() throws {
        let list = try CLIProcess(["lab", "list", "--json"])
        let document = try list.readJSON()
        #expect(list.finish().status == 0)
        let scenarios = try #require(document["scenarios"] as? [[String: Any]])
        #expect(scenarios.count == 11)
        let stall = try #require(scenarios.first { $0["id"] as? String == "accept-stall" })
        #expect(stall["expected_rule"] as? String == "listen-backlog")
        let emfile = try #require(scenarios.first { $0["id"] as? String == "emfile" })
        #expect(emfile["expected_rule"] as? String == "fd-exhaustion")
        #expect(emfile["culprit"] as? String == "server")
        #expect((emfile["roles"] as? [String: String])?["server"] == "lab-srv-emfile")
        let exhaustion = try #require(scenarios.first { $0["id"] as? String == "port-exhaustion" })
        #expect(exhaustion["needs_root"] as? Bool == true)
    }

    @Test func runHoldsThenCleansUp() throws {
        let run = try CLIProcess(["lab", "run", "close-wait-eof", "--connections", "4", "--hold", "1", "--json"])
        let summary = try run.readJSON()
        let pids = labPids(summary)
        #expect(pids.count == 2)
        #expect(pids.allSatisfy(processExists), "the processes are up while the lab holds")
        #expect(summary["expected_rule"] as? String == "close-wait-leak")
        let port = try #require(summary["server_port"] as? Int)
        #expect(port > 0)
        #expect(
            (summary["inspect"] as? [String])?.contains("tcpdoctor sockets state close-wait sport = :\(port)") == true
        )
        let expectations = try #require(summary["expectations"] as? [[String: Any]])
        #expect(expectations.first?["state"] as? String == "CLOSE_WAIT")
        #expect(expectations.first?["recv_q"] as? Int == 0)
        #expect(expectations.first?["count"] as? Int == 4)

        let (status, stderr) = run.finish()
        #expect(status == 0, "stderr: \(stderr)")
        #expect(stderr.contains("Stopped 2 processes"))
        #expect(pids.allSatisfy { !processExists($0) })
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func signalStopsTheLabAndItsProcesses(_ signal: Int32) throws {
        let run = try CLIProcess(["lab", "run", "fork-shared", "--connections", "4", "--json"])
        let summary = try run.readJSON()
        let pids = labPids(summary)
        #expect(pids.count == 4, "server, client and two handlers")
        run.signal(signal)
        let (status, stderr) = run.finish()
        // Cleaned up, then the status of a command the signal stopped: 130 for Ctrl-C, 143 for SIGTERM.
        #expect(status == 128 + signal, "stderr: \(stderr)")
        #expect(stderr.contains("Stopped 4 processes"))
        #expect(pids.allSatisfy { !processExists($0) }, "every role and handler is reaped")
    }

    @Test func rolesDieWithTheirParent() throws {
        // SIGKILL leaves the lab no chance to clean up: the roles die by PR_SET_PDEATHSIG and
        // the closed lifeline. Their new parent reaps them, or (an init that does not reap, as
        // in some containers) leaves zombies that hold nothing.
        let run = try CLIProcess(["lab", "run", "close-wait-noread", "--connections", "4", "--json"])
        let pids = labPids(try run.readJSON())
        #expect(pids.count == 2)
        run.signal(SIGKILL)
        #expect(run.finish().status == 128 + SIGKILL)
        #expect(eventually { pids.allSatisfy(processIsDead) }, "roles outlived their killed parent")
    }

    @Test(arguments: [
        (["lab", "run", "close-wait-eof", "--hold", "0"], "--hold must be at least 1 second"),
        (["lab", "run", "close-wait"], "no lab scenario is called 'close-wait'"),
        (["lab", "run", "emfile", "--connections", "5"], "must be between 32 and 10000"),
    ])
    func badArgumentsAreUsageErrors(_ arguments: [String], _ message: String) throws {
        let run = try CLIProcess(arguments)
        let (status, stderr) = run.finish()
        #expect(status == 64)
        #expect(stderr.contains(message), "stderr: \(stderr)")
    }

    @Test func textSummaryNamesProcessesAndCommands() throws {
        let run = try CLIProcess(["lab", "run", "reset-held", "--connections", "3", "--hold", "1"])
        var lines: [String] = []
        while let line = try? run.readLine(timeout: .seconds(30)) { lines.append(line) }
        let (status, _) = run.finish()
        #expect(status == 0)
        let text = lines.joined(separator: "\n")
        #expect(text.contains("reset-held: sockets reset while their fds stay open"))
        #expect(text.contains("lab-srv-reset") && text.contains("lab-cli-reset"))
        #expect(text.contains("dead-socket-fds on the server"))
        #expect(text.contains("tcpdoctor sockets --process lab-srv-reset"))
    }
}
