import Foundation
import TCPDoctorCore
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `tcpdoctor history` run as users run it, on databases written by the real `HistoryStore`.
@Suite struct HistoryCommandTests {
    /// The whole of the databases' time, with room on both sides.
    static let range = ["--since", "2026-12-07T11:00Z", "--until", "2026-12-07 16:00"]

    @Test func textTellsGrowingSteadyAndDrainingApart() throws {
        let database = try HistoryTestDatabase()
        try database.write(HistoryTestDatabase.shapes)
        let run = try runTCPDoctor(["history", "--db", database.path] + Self.range)
        #expect(run.status == 0, "\(run.stderr)")
        let text = run.stdout
        #expect(text.contains("3 groups changed, 1 unchanged group not shown"))
        #expect(text.contains("pid 4101 leaky, netns 4026531840, port 8000"))
        // One CLOSE_WAIT per 10-second sample; fds = 100 + CLOSE_WAIT reach 1024 at 13:00 + 9240 s.
        // Sentences are wrapped to the width: compare them with the line breaks taken out.
        let unwrapped = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(
            separator: " "
        )
        #expect(
            unwrapped.contains(
                "growing at +6.0 CLOSE_WAIT/min (linear fit over the last 1 h, r² 1.00) since 13:00 UTC; "
                    + "pid 4101 reaches its fd soft limit 1024 in about 1 h 34 min (15:34 UTC; fds +6.0/min, r² 1.00)"
            ),
            "\(text)"
        )
        #expect(unwrapped.contains("steady at 41 CLOSE_WAIT: "))
        #expect(unwrapped.contains("draining at -6.0 CLOSE_WAIT/min"))
        #expect(!text.contains("pid 4104 flat"))
        // Not a terminal: charts fit 80 columns, and the growing one climbs from the lowest level to the highest.
        let chartLines = text.split(separator: "\n").filter { $0.contains("▁") || $0.contains("█") }
        #expect(chartLines.count == 3)
        // (A word longer than the width, such as the scratch database's path, stands alone on its line.)
        for line in text.split(separator: "\n") { #expect(line.count <= 80 || !line.contains(" "), "\(line)") }
        let leak = try #require(chartLines.first)
        #expect(leak.contains("▁") && leak.contains("█") && leak.hasSuffix("min 0 max 360"))
        // The steady pile of 40 or 41 draws level from a baseline of 0, not as noise.
        #expect(chartLines[1].filter { $0 == "█" }.count > 40 && !chartLines[1].contains("▁"))
        #expect(text.contains("13:00 UTC") && text.contains("14:00 UTC"))
    }

    @Test func jsonCarriesTheForecastOfTheExactLine() throws {
        let database = try HistoryTestDatabase()
        try database.write(HistoryTestDatabase.shapes)
        let run = try runTCPDoctor(["history", "--db", database.path, "--json"] + Self.range)
        #expect(run.status == 0, "\(run.stderr)")
        let document = try run.json()
        #expect(document["skipped_flat"] as? Int == 1)
        let groups = try #require(document["groups"] as? [[String: Any]])
        #expect(groups.count == 3)
        func state(_ pid: Int) throws -> [String: Any] {
            let group = try #require(groups.first { ($0["group"] as? [String: Any])?["pid"] as? Int == pid })
            let states = try #require(group["states"] as? [[String: Any]])
            #expect(states.map { $0["state"] as? String } == ["CLOSE_WAIT"])
            return try #require(states.first)
        }
        let leak = try state(4101)
        #expect(leak["kind"] as? String == "growing")
        let rate = try #require(leak["rate_per_minute"] as? Double)
        #expect(abs(rate - 6) < 0.01)
        let firstSeen = try #require(leak["first_seen"] as? Double)
        #expect(firstSeen >= HistoryTestDatabase.start && firstSeen <= HistoryTestDatabase.start + 10)
        let forecast = try #require(leak["forecast"] as? [String: Any])
        // The exact line: 100 + t/10 fds reaches 1024 at t = 9240 s; the latest sample is at 3600 s.
        let eta = try #require(forecast["eta_seconds"] as? Double)
        #expect(abs(eta - 5640) <= 56.4, "eta \(eta)")
        let at = try #require(forecast["at"] as? Double)
        #expect(abs(at - (HistoryTestDatabase.start + 9240)) <= 56.4)
        #expect(forecast["limit"] as? Int == 1024)
        #expect(forecast["method"] as? String == "least-squares")
        #expect((forecast["r2"] as? Double ?? 0) > 0.99)
        #expect((leak["points"] as? [[Double]])?.count == 361)
        #expect(leak["no_forecast_reason"] is NSNull)

        let steady = try state(4102)
        #expect(steady["kind"] as? String == "steady")
        #expect(steady["forecast"] is NSNull)
        #expect(steady["no_forecast_reason"] as? String == "not_growing")
        #expect(steady["first_seen"] is NSNull)
        let drain = try state(4103)
        #expect(drain["kind"] as? String == "draining")
        #expect((drain["rate_per_minute"] as? Double ?? 0) < -5.9)
        #expect(drain["no_forecast_reason"] as? String == "not_growing")
    }

    /// Half an hour of growth, then the wall clock steps back an hour and the pile holds at 180
    /// for an hour: the trend is steady, never a slope made of the two runs folded together.
    @Test func aClockThatWentBackMakesNoSlope() throws {
        let database = try HistoryTestDatabase()
        let start = HistoryTestDatabase.start
        let jumpy = HistoryTestDatabase.Leak(pid: 4201, command: "jumpy", port: 9000) { Int64(min($0, 180)) }
        try database.write([jumpy], samples: 542) { index in
            index <= 180 ? start + Double(index) * 10 : start + 1800 - 3600 + Double(index - 181) * 10
        }
        let run = try runTCPDoctor(["history", "--db", database.path, "--json"] + Self.range)
        #expect(run.status == 0, "\(run.stderr)")
        let groups = try #require(try run.json()["groups"] as? [[String: Any]])
        let state = try #require((groups.first?["states"] as? [[String: Any]])?.first)
        #expect(state["kind"] as? String == "steady")
        #expect(abs(state["rate_per_minute"] as? Double ?? 1) < 1e-9)
        #expect(state["clock_jumps"] as? Int == 1)
        #expect(state["forecast"] is NSNull)
        // The points stay in recorded order: the time goes back exactly once.
        let times = (state["points"] as? [[Double]] ?? []).map { $0[0] }
        #expect(times.count == 542)
        #expect(zip(times, times.dropFirst()).filter { $0 >= $1 }.count == 1)

        let text = try runTCPDoctor(["history", "--db", database.path] + Self.range)
        #expect(text.stdout.contains("steady at 180 CLOSE_WAIT"), "\(text.stdout)")
        #expect(text.stdout.contains("marks a break in a chart"))
        #expect(text.stdout.contains("┊"))
    }

    @Test func filtersSelectOneGroup() throws {
        let database = try HistoryTestDatabase()
        try database.write(HistoryTestDatabase.shapes, samples: 30)
        for (arguments, pid) in [
            (["--pid", "4103"], 4103), (["--process", "steady"], 4102), (["--port", "8000"], 4101),
        ] {
            let run = try runTCPDoctor(["history", "--db", database.path, "--json"] + Self.range + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            let groups = try #require(try run.json()["groups"] as? [[String: Any]])
            #expect(groups.compactMap { ($0["group"] as? [String: Any])?["pid"] as? Int } == [pid], "\(arguments)")
        }
        let none = try runTCPDoctor(["history", "--db", database.path, "--pid", "1"] + Self.range)
        #expect(none.status == 0)
        #expect(none.stdout.contains("0 groups changed") && none.stdout.contains("Nothing changed"))
    }

    @Test func svgIsAPictureWithAPolylinePerState() throws {
        let database = try HistoryTestDatabase()
        try database.write(HistoryTestDatabase.shapes, samples: 60)
        let picture = database.directory.file("history.svg")
        let run = try runTCPDoctor(["history", "--db", database.path, "--svg", picture] + Self.range)
        #expect(run.status == 0, "\(run.stderr)")
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: picture))
        #expect(document.rootElement()?.name == "svg")
        #expect(try document.nodes(forXPath: "//*[local-name()='polyline']").count == 3)
        let labels = try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
        #expect(labels.contains("13:00 UTC"))
        #expect(labels.contains { $0.hasPrefix("CLOSE_WAIT: growing") })
        // No temporary file is left beside it.
        let files = try FileManager.default.contentsOfDirectory(atPath: database.directory.path)
        #expect(!files.contains { $0.contains(".tmp-") })

        let unwritable = database.directory.file("missing-directory/history.svg")
        let failed = try runTCPDoctor(["history", "--db", database.path, "--svg", unwritable] + Self.range)
        #expect(failed.status == 2)
        #expect(failed.stderr.contains(unwritable) && failed.stderr.contains("cannot write the SVG picture"))
        #expect(failed.stdout.isEmpty)
    }

    @Test func openMetricsBackfillsIntoPrometheus() throws {
        let database = try HistoryTestDatabase()
        try database.write(HistoryTestDatabase.shapes, samples: 60)
        let run = try runTCPDoctor(["history", "--db", database.path, "--format", "openmetrics"] + Self.range)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.suffix(2) == ["# EOF", ""])
        #expect(lines.contains("# TYPE tcpdoctor_sockets gauge"))
        #expect(lines.contains("# TYPE tcpdoctor_process_open_fds gauge"))
        let labels =
            "netns=\"4026531840\",pid=\"4101\",start_time=\"9101\",command=\"leaky\",place_kind=\"port\",place=\"8000\""
        #expect(lines.contains("tcpdoctor_sockets{\(labels),state=\"CLOSE_WAIT\"} 59 1796648990"))
        #expect(
            lines.contains(
                "tcpdoctor_process_open_fds{pid=\"4101\",start_time=\"9101\",command=\"leaky\"} 159 1796648990"
            )
        )
        #expect(
            lines.contains(
                "tcpdoctor_process_fd_soft_limit{pid=\"4104\",start_time=\"9104\",command=\"flat\"} 1024 1796648400"
            )
        )
        // Four processes × (CLOSE_WAIT and LISTEN) × 60 samples, and two fd gauges × 4 × 60.
        #expect(lines.filter { $0.hasPrefix("tcpdoctor_sockets{") }.count == 4 * 2 * 60)
        #expect(lines.filter { $0.hasPrefix("tcpdoctor_process_") }.count == 2 * 4 * 60)

        guard
            let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { return }
        let input = database.directory.file("history.om")
        try run.stdout.write(toFile: input, atomically: false, encoding: .utf8)
        let blocks = database.directory.file("blocks")
        let backfill = try runProgram(promtool, ["tsdb", "create-blocks-from", "openmetrics", input, blocks])
        #expect(backfill.status == 0, "\(backfill.stdout) \(backfill.stderr)")
        let made = (try? FileManager.default.contentsOfDirectory(atPath: blocks)) ?? []
        #expect(made.contains { FileManager.default.fileExists(atPath: blocks + "/" + $0 + "/meta.json") }, "\(made)")
    }
}
