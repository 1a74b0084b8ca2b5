import Foundation
import Glibc
import Testing

/// A `close-wait-noread` lab run for the kill tests, and the sockets on its port as `sockets
/// --json` shows them: the only sockets the tests count (never the host's others).
final class KillLab {
    let run: BackgroundTCPDoctor
    let port: Int
    let serverPID: Int32
    let connections: Int

    init(connections: Int = 20) throws {
        self.connections = connections
        run = try BackgroundTCPDoctor([
            "lab", "run", "close-wait-noread", "--connections", "\(connections)", "--hold", "300", "--json",
        ])
        let line = try run.firstLine(within: 60)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        port = try #require(summary["server_port"] as? Int)
        serverPID = try #require(((summary["culprit"] as? [String: Any])?["pids"] as? [Int32])?.first)
        // The lab reports once its sockets are set up; wait until the kernel shows them all.
        let deadline = ContinuousClock.now + .seconds(30)
        while try closeWait().count < connections {
            guard ContinuousClock.now < deadline else { throw RunError("the lab's CLOSE_WAIT sockets did not appear") }
            usleep(50_000)
        }
    }

    /// `state close-wait sport = :PORT`: the filter that selects the lab's leaked sockets.
    var closeWaitFilter: [String] { ["state", "close-wait", "sport", "=", ":\(port)"] }

    /// Every socket on the lab's port (either end), by cookie.
    func sockets() throws -> [UInt64: [String: Any]] {
        let run = try runTCPDoctor(["sockets", "--json", "sport", "=", ":\(port)", "or", "dport", "=", ":\(port)"])
        guard run.status == 0 else { throw RunError("sockets failed: \(run.stderr)") }
        let list = try run.json()["sockets"] as? [[String: Any]] ?? []
        return Dictionary(list.map { (($0["cookie"] as? UInt64) ?? 0, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func closeWait() throws -> [UInt64: [String: Any]] {
        try sockets().filter { $0.value["state"] as? String == "CLOSE_WAIT" }
    }

    /// Stops the lab as a user would (Ctrl-C) and checks it cleaned up.
    func stop() throws {
        run.send(SIGINT)
        #expect(try run.ending(within: 30) == .exited(130))
    }
}

/// The kill document's sockets, and those with an outcome.
func killResults(_ document: [String: Any]) -> [[String: Any]] {
    document["sockets"] as? [[String: Any]] ?? []
}

func totals(_ document: [String: Any]) -> [String: Int] {
    document["totals"] as? [String: Int] ?? [:]
}

/// A schema check of one `kill --json` document.
func expectKillSchema(_ run: TCPDoctorRun, _ label: String) throws {
    guard SchemaCheck.isAvailable else { return }
    let check = try SchemaCheck()
    try check.add(run, schema: "kill", label: label)
    let problems = try check.problems()
    #expect(problems.isEmpty, "\(label): \(problems)")
}
