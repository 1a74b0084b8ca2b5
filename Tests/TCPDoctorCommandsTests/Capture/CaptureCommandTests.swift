import Foundation
import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

/// `tcpdoctor capture` run as users run it, over captures written with the package's writers.
struct CaptureCommandTests {
    @Test(arguments: CloseScenario.all)
    func verdictsInJSON(_ scenario: CloseScenario) throws {
        let directory = try ScratchDirectory()
        let path = directory.file("scenario.\(scenario.format.rawValue)")
        let segments = scenario.segments()
        try ScenarioCapture.write(segments, to: path, format: scenario.format, linkType: scenario.linkType)

        let run = try runTCPDoctor(["capture", "--json", path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        let document = try run.json()
        let connections = try #require(document["connections"] as? [[String: Any]])
        try #require(connections.count == 1, "\(connections)")
        let connection = connections[0]
        #expect(connection["index"] as? Int == 1)
        #expect(connection["ended"] as? String == scenario.ended)
        #expect(connection["active_closer"] as? String == scenario.activeCloser)
        #expect((connection["active_closer"] is NSNull) == (scenario.activeCloser == nil))
        #expect(connection["conn_state"] as? String == scenario.connState)
        let originator = try #require(connection["originator"] as? [String: Any])
        #expect(originator["address"] as? String == scenario.clientAddress)
        #expect(originator["port"] as? Int == 40_000)
        let responder = try #require(connection["responder"] as? [String: Any])
        #expect(responder["address"] as? String == scenario.serverAddress)
        #expect(responder["port"] as? Int == 8080)
        if let expected = scenario.closeWait {
            let closeWait = try #require(connection["close_wait"] as? [String: Any], "\(connection)")
            #expect(closeWait["side"] as? String == expected.side)
            let seconds = try #require(closeWait["seconds"] as? Double)
            #expect(abs(seconds - expected.seconds) < 1e-6, "\(seconds)")
            #expect(closeWait["open_at_end"] as? Bool == expected.openAtEnd)
        } else {
            #expect(connection["close_wait"] is NSNull, "\(connection)")
        }
        let packets = try #require(connection["packets"] as? [String: Int])
        #expect((packets["originator"] ?? 0) + (packets["responder"] ?? 0) == segments.count)
        let timeline = try #require(connection["timeline"] as? [String: [String: Any]])
        let transitions = try #require(timeline["originator"]?["transitions"] as? [[String: Any]])
        // A connection seen mid-stream starts ESTABLISHED and, without FIN or RST, never changes.
        #expect(transitions.isEmpty == (scenario.ended == "open"))
        #expect(
            timeline["originator"]?["initial_state"] as? String == (scenario.ended == "open" ? "ESTABLISHED" : "CLOSE")
        )
        #expect(transitions.allSatisfy { $0["state"] is String && $0["time"] is Double && $0["event"] is String })

        let summary = try #require(document["totals"] as? [String: Any])
        #expect(summary["connections"] as? Int == 1)
        let byEnding = try #require(summary["by_ending"] as? [String: Int])
        #expect(byEnding.count == Connection.Ending.allCases.count)
        #expect(byEnding[scenario.ended] == 1)
        #expect(byEnding.values.reduce(0, +) == 1)
        let statistics = try #require(document["statistics"] as? [String: Any])
        #expect(statistics["packets"] as? Int == segments.count)
        #expect(statistics["tcp_segments"] as? Int == segments.count)
        #expect(document["warnings"] as? [Any] != nil)
        #expect(document["error"] is NSNull)
    }

    @Test func lateFINDetailsInJSON() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("late.pcap")
        let scenario = try #require(CloseScenario.all.first { $0.ended == "late_fin_reset" })
        try ScenarioCapture.write(scenario.segments(), to: path)
        let connection = try #require(
            (try runTCPDoctor(["capture", "--json", path]).json()["connections"] as? [[String: Any]])?.first
        )
        let late = try #require(connection["late_fin"] as? [String: Any])
        #expect(late["side"] as? String == "originator")
        #expect(late["forgotten_in"] as? String == "FIN_WAIT2")
        #expect(late["gap_seconds"] as? Double == 69.999)
        #expect(late["linux_limit_seconds"] as? Double == 60)
        #expect(late["exceeds_linux_limit"] as? Bool == true)
        let reset = try #require(connection["reset"] as? [String: Any])
        #expect(reset["side"] as? String == "responder")
        #expect(reset["sender_state"] as? String == "CLOSE")
        #expect(reset["answered"] as? String == "receive_fin_ack_of_fin")
        #expect(reset["after_both_fins"] as? Bool == true)
        let timeline = try #require(connection["timeline"] as? [String: [String: Any]])
        let server = try #require(timeline["responder"]?["transitions"] as? [[String: Any]])
        #expect(
            server.map { $0["state"] as? String } == [
                "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE", "CLOSE",
            ]
        )
        #expect(server[4]["inferred"] as? Bool == true)
        #expect(server[4]["packet"] is NSNull)
        #expect(server[4]["event"] as? String == "fin_wait2_timeout")
        // Nanosecond times are written exactly: 61.001 s after the scenario's base.
        #expect(try #require(server[4]["time"] as? Double) - 1_700_000_061.001 < 1e-6)
    }

    @Test func halfCloseAndRetransmittedFINInJSON() throws {
        let directory = try ScratchDirectory()
        var segments: [TCPSegment] = []
        for (number, name) in ["half-close", "retransmitted FIN"].enumerated() {
            let scenario = try #require(CloseScenario.all.first { $0.name.hasPrefix(name) })
            segments += scenario.segments(number: UInt16(number))
        }
        let path = directory.file("both.pcap")
        try ScenarioCapture.write(segments, to: path)
        let connections = try #require(
            try runTCPDoctor(["capture", "--json", path]).json()["connections"] as? [[String: Any]]
        )
        try #require(connections.count == 2)
        let half = try #require(connections.first { ($0["originator"] as? [String: Any])?["port"] as? Int == 40_000 })
        let halfClose = try #require(half["half_close"] as? [String: Any])
        #expect(halfClose["side"] as? String == "responder")
        #expect(halfClose["bytes"] as? Int == 1000)
        let retransmitted = try #require(
            connections.first { ($0["originator"] as? [String: Any])?["port"] as? Int == 40_001 }
        )
        #expect((retransmitted["fin_retransmissions"] as? [String: Int])?["originator"] == 1)
        #expect(retransmitted["half_close"] is NSNull)
    }

    @Test func standardInputIsReadLikeAFile() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("stdin.pcapng")
        try ScenarioCapture.write(CloseScenario.all[0].segments(), to: path, format: .pcapng)
        let run = try runTCPDoctorCapture(["capture", "--json", "-"], standardInput: path)
        #expect(run.status == 0, "\(run.stderr)")
        let document = try run.json()
        #expect(document["files"] as? [String] == ["-"])
        #expect((document["connections"] as? [[String: Any]])?.first?["ended"] as? String == "fin")
    }

    @Test func severalFilesAreOneCapture() throws {
        let directory = try ScratchDirectory()
        // One connection cut in two files, as `tcpdump -C` does: it stays one connection, and
        // packet numbers count on across the files.
        let segments = CloseScenario.all[0].segments()
        let first = directory.file("part0.pcap")
        let second = directory.file("part1.pcapng")
        try ScenarioCapture.write(Array(segments.prefix(5)), to: first)
        try ScenarioCapture.write(Array(segments.dropFirst(5)), to: second, format: .pcapng)
        let run = try runTCPDoctor(["capture", "--json", first, second])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try run.json()
        let connections = try #require(document["connections"] as? [[String: Any]])
        try #require(connections.count == 1)
        #expect(connections[0]["ended"] as? String == "fin")
        #expect(connections[0]["first_packet"] as? Int == 1)
        #expect(connections[0]["last_packet"] as? Int == segments.count)
        #expect((document["statistics"] as? [String: Any])?["files"] as? Int == 2)
    }
}

/// Runs `tcpdoctor` with a file as its standard input.
func runTCPDoctorCapture(_ arguments: [String], standardInput path: String) throws -> TCPDoctorRun {
    let directory = try ScratchDirectory()
    let stdoutPath = directory.file("stdout")
    let stderrPath = directory.file("stderr")
    _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tcpdoctorExecutable())
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
    try process.run()
    try process.waitUntilExit(timeout: .seconds(120))
    return TCPDoctorRun(
        status: process.terminationStatus,
        stdout: try String(contentsOfFile: stdoutPath, encoding: .utf8),
        stderr: try String(contentsOfFile: stderrPath, encoding: .utf8)
    )
}
