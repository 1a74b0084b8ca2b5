import Foundation
import Glibc
import TCPDoctorHistory
import TCPDoctorTestSupport
import Testing

/// `serve --record` and `serve --db` (issue 15, items 3 and 5): the recorder inside serve shares
/// the scrapes' snapshots, and the page's chart reads the history database.
@Suite struct ServeRecordTests {
    /// The kernel's name of this process, as the history and the timeline name its group.
    static let command = ((try? String(contentsOfFile: "/proc/self/comm", encoding: .utf8)) ?? "")
        .trimmingCharacters(in: .newlines)

    @Test func theRecorderAndTheScrapesShareSnapshotsAndTheChartReadsTheDatabase() async throws {
        let scratch = try ScratchDirectory()
        let database = scratch.file("history.sqlite")
        let connection = try LoopbackConnection.open()
        try connection.clientClosesFirstAndAwaitCloseWait()
        defer { withExtendedLifetime(connection) {} }
        let (server, port) = try ServeCommandTests.start([
            "--record", "--db", database, "--record-interval", "1", "--min-interval", "1",
        ])
        defer { withExtendedLifetime(server) {} }
        // Five scrapes a second while the recorder samples once a second, until it has four.
        let scrapes = try await offPool { () -> Int in
            var count = 0
            try poll("four samples in \(database)") {
                count += (try? HTTPExchange.send("GET", "/metrics", port: port)).map { $0.status == 200 ? 1 : 0 } ?? 0
                usleep(200_000)
                return ((try? samples(in: database)) ?? 0) >= 4
            }
            return count
        }
        let metrics = try await offPool { try HTTPExchange.send("GET", "/metrics", port: port) }
        let taken = try #require(Self.value("tcpdoctor_snapshots_total", metrics.body))
        let recorded = try #require(Self.value("tcpdoctor_record_samples_total", metrics.body))
        #expect(Self.value("tcpdoctor_record_errors_total", metrics.body) == 0)
        #expect(scrapes >= 4)
        // Every snapshot but the one in flight was recorded: the scrapes took none of their own
        // within a period the recorder had sampled (and a snapshot is recorded once).
        #expect(recorded >= 4)
        #expect(taken >= recorded && taken <= recorded + 1, "\(taken) snapshots for \(recorded) samples")
        #expect(try samples(in: database) >= Int(recorded))

        // The chart's points are the database's samples, and show this process's CLOSE_WAIT.
        let timeline = try await offPool { try HTTPExchange.send("GET", "/api/timeline", port: port) }
        #expect(timeline.status == 200)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(timeline.body.utf8)) as? [String: Any])
        #expect(document["source"] as? String == "history")
        #expect(document["db"] as? String == database)
        let points = try #require(document["points"] as? [[String: Any]])
        #expect(points.count >= 4)
        let states = try #require(document["states"] as? [String])
        let closeWait = try #require(states.firstIndex(of: "CLOSE_WAIT"))
        let groups = try #require(points.last?["groups"] as? [[String: Any]])
        let own = groups.first { $0["command"] as? String == Self.command }
        #expect(((own?["states"] as? [Int])?[closeWait] ?? 0) >= 1, "groups: \(groups)")

        // A second recorder on the same database is refused, naming serve's pid.
        let second = try runTCPDoctor(["record", "--db", database, "--count", "1"])
        #expect(second.status == 7, "stderr: \(second.stderr)")
        #expect(second.stderr.contains("(pid \(server.pid))"), "stderr: \(second.stderr)")

        server.send(SIGTERM)
        #expect(try server.ending(within: 10) == .exited(0), "stderr: \(server.stderr)")
        try HistoryStore(path: database).checkIntegrity()
    }

    /// `--db` alone: the chart reads what another recorder wrote; a database that cannot be
    /// read leaves the chart on serve's own snapshots, and the document says why.
    @Test func withDBAloneTheChartReadsAnotherRecordersDatabaseOrSaysWhyNot() async throws {
        let scratch = try ScratchDirectory()
        let database = scratch.file("history.sqlite")
        let connection = try LoopbackConnection.open()
        try connection.clientClosesFirstAndAwaitCloseWait()
        defer { withExtendedLifetime(connection) {} }
        let record = try await offPool {
            try runTCPDoctor(["record", "--db", database, "--interval", "0.2", "--count", "3"])
        }
        #expect(record.status == 0, "stderr: \(record.stderr)")

        let (server, port) = try ServeCommandTests.start(["--db", database])
        defer { withExtendedLifetime(server) {} }
        let timeline = try await offPool { try HTTPExchange.send("GET", "/api/timeline", port: port) }
        let document = try #require(try JSONSerialization.jsonObject(with: Data(timeline.body.utf8)) as? [String: Any])
        #expect(document["source"] as? String == "history")
        #expect(document["history_error"] is NSNull)
        #expect((document["points"] as? [Any])?.count == 3)
        // Newer than the last point: none.
        let last = try #require((document["points"] as? [[String: Any]])?.last?["time"] as? Double)
        let newer = try await offPool { try HTTPExchange.send("GET", "/api/timeline?since=\(last)", port: port) }
        #expect(newer.body.contains("\"points\":[]"), "\(newer.body.prefix(300))")

        let missing = scratch.file("none.sqlite")
        let (other, otherPort) = try ServeCommandTests.start(["--db", missing])
        defer { withExtendedLifetime(other) {} }
        let fallback = try await offPool { try HTTPExchange.send("GET", "/api/timeline", port: otherPort) }
        let said = try #require(try JSONSerialization.jsonObject(with: Data(fallback.body.utf8)) as? [String: Any])
        #expect(said["source"] as? String == "memory")
        #expect((said["history_error"] as? String)?.contains(missing) == true, "\(said)")
        #expect((said["points"] as? [Any])?.count == 1)
    }

    @Test(arguments: [
        ["--retention", "raw:1h"],
        ["--max-size", "1G"],
        ["--record-interval", "10"],
        ["--record", "--record-interval", "1", "--min-interval", "5"],
        ["--record", "--record-interval", "0"],
    ])
    func misusedOptionsAreUsageErrors(arguments: [String]) throws {
        let run = try runTCPDoctor(["serve"] + arguments)
        #expect(run.status == 64, "stderr: \(run.stderr)")
    }

    static func value(_ name: String, _ body: String) -> Double? {
        body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }
}
