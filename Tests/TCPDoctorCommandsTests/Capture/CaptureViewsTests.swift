import Foundation
import FoundationXML
import TCPDoctorCapture
import TCPDoctorCore
import Testing

/// The summary, the connection table with its filters, and the ladder diagram.
struct CaptureViewsTests {
    /// Every close scenario once (client ports 40000...), plus 12 connections from 10.0.0.7 to
    /// 10.0.0.9:9090, which held CLOSE_WAIT for 5 s on each: a leak the summary must name.
    static func mixedCapture(in directory: ScratchDirectory) throws -> String {
        var segments: [TCPSegment] = []
        for (number, scenario) in CloseScenario.all.enumerated() where !scenario.ipv6 {
            segments += scenario.segments(number: UInt16(number))
        }
        for index in 0..<12 {
            var c = ScenarioCapture(client: .test("10.0.0.7", UInt16(50_000 + index)), server: .test("10.0.0.9", 9090))
            let start = Double(index) * 2
            c.handshake(at: start)
            c.exchange(at: start + 0.01)
            c.send(.client, CloseScenario.finACK, at: start + 0.1)
            c.send(.server, .ack, at: start + 0.1001)
            c.send(.server, CloseScenario.finACK, at: start + 5.1001)
            c.send(.client, .ack, at: start + 5.1002)
            segments += c.segments
        }
        let path = directory.file("mixed.pcap")
        try ScenarioCapture.write(segments, to: path)
        return path
    }

    static var scenarioCount: Int { CloseScenario.all.filter { !$0.ipv6 }.count }

    @Test func summaryNamesTheCloseWaitHolder() throws {
        let directory = try ScratchDirectory()
        let path = try Self.mixedCapture(in: directory)
        let run = try runTCPDoctor(["capture", path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        let text = run.stdout
        #expect(text.contains("\(Self.scenarioCount + 12) TCP connections"), "\(text)")
        #expect(text.contains("How connections ended"))
        #expect(text.contains("late_fin_reset"))
        #expect(text.contains("Who closed first"))
        #expect(text.contains("Held CLOSE_WAIT most"))
        // The leaking server heads the CLOSE_WAIT table: 12 connections, 5 s each.
        let table = text.components(separatedBy: "Held CLOSE_WAIT most")[1]
        let firstRow = try #require(table.split(separator: "\n").dropFirst(2).first)
        #expect(firstRow.hasPrefix("10.0.0.9:9090"), "\(table)")
        #expect(
            firstRow.contains("server") && firstRow.contains("10.0.0.7") && firstRow.contains(" 12 "),
            "\(firstRow)"
        )
        #expect(firstRow.contains("5.0 s"), "\(firstRow)")
        // The findings in the doctor's form, the leak critical (10 or more connections).
        #expect(text.contains("CRITICAL 10.0.0.9:9090 held CLOSE_WAIT for up to 5.0 s on 12 connections from 10.0.0.7"))
        #expect(text.contains("[capture-close-wait]"))
        #expect(text.contains("then its late FIN met RST"))
        #expect(text.contains("what to change:"))

        let document = try runTCPDoctor(["capture", "--json", path]).json()
        let findings = try #require(document["findings"] as? [[String: Any]])
        let leak = try #require(
            findings.first {
                ($0["evidence"] as? [String: Any])?["holder"] as? String == "10.0.0.9:9090"
                    && ($0["evidence"] as? [String: Any])?["peer"] as? String == "10.0.0.7"
            }
        )
        #expect(leak["rule"] as? String == "capture-close-wait")
        #expect(leak["severity"] as? String == "critical")
        #expect((leak["evidence"] as? [String: Any])?["connections"] as? Int == 12)
        let summary = try #require(document["totals"] as? [String: Any])
        let most = try #require(summary["close_wait_most"] as? [[String: Any]])
        #expect(most.first?["holder"] as? String == "10.0.0.9:9090")
        #expect(most.first?["peer"] as? String == "10.0.0.7")
        #expect(most.first?["held_connections"] as? Int == 12)
        let longest = try #require(summary["close_wait_longest"] as? [[String: Any]])
        #expect(longest.first?["longest_seconds"] as? Double == 69.999)
        let closers = try #require(summary["by_active_closer"] as? [String: Int])
        #expect(closers.values.reduce(0, +) == Self.scenarioCount + 12)
        #expect(closers["both"] == 1)
    }

    /// A service that leaks toward many clients is one finding, not one per client.
    @Test func serviceLeakTowardManyClientsIsOneFinding() throws {
        let directory = try ScratchDirectory()
        var segments: [TCPSegment] = []
        for index in 0..<30 {
            let client = Endpoint.test("10.1.0.\(index % 15 + 1)", UInt16(50_000 + index))
            var c = ScenarioCapture(client: client, server: .test("10.0.0.9", 8080))
            let start = Double(index)
            c.handshake(at: start)
            c.send(.client, CloseScenario.finACK, at: start + 0.1)
            c.send(.server, .ack, at: start + 0.1001)
            c.send(.server, CloseScenario.finACK, at: start + 3.1001)
            c.send(.client, .ack, at: start + 3.1002)
            segments += c.segments
        }
        let path = directory.file("many.pcap")
        try ScenarioCapture.write(segments, to: path)
        let document = try runTCPDoctor(["capture", "--json", path]).json()
        let findings = try #require(document["findings"] as? [[String: Any]])
        try #require(findings.count == 1, "\(findings.map { $0["summary"] ?? "" })")
        #expect(
            findings[0]["summary"] as? String
                == "10.0.0.9:8080 held CLOSE_WAIT for up to 3.0 s on 30 connections from 15 clients: the service "
                + "does not close connections after its clients do"
        )
        #expect((findings[0]["evidence"] as? [String: Any])?["peer"] as? String == "15 clients")
    }

    @Test(arguments: [
        (["--ended", "late_fin_reset"], 1),
        (["--ended", "fin,fin_reset"], 5 + 12),
        (["--ended", "rejected", "--ended", "no_answer"], 2),
        (["--host", "10.0.0.7"], 12),
        (["--host", "10.0.0.0/24"], 12 + 12),
        (["--port", "40003"], 1),
        (["--closer", "both"], 1),
        (["--closer", "none"], 5),
        (["--min-close-wait", "60"], 2),
        (["--min-close-wait", "4"], 12 + 2),
        (["--filter", "state close-wait and sport = :40000"], 1),
        (["--filter", "src 10.0.0.7 and not sport = :50000"], 11),
        (["--filter", "state syn-sent and not state established"], 2),
    ])
    func connectionsTableFilters(arguments: [String], rows: Int) throws {
        let directory = try ScratchDirectory()
        let path = try Self.mixedCapture(in: directory)
        let run = try runTCPDoctor(["capture", "--connections"] + arguments + [path])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first?.drop { $0 == " " }.hasPrefix("#  originator") == true, "\(run.stdout)")
        #expect(lines.count == rows + 1, "\(run.stdout)")
        // Rows are numbered from 1 in the order they are listed.
        #expect(lines.dropFirst().map { Int($0.split(separator: " ").first ?? "") } == (0..<rows).map { $0 + 1 })

        let document = try runTCPDoctor(["capture", "--json"] + arguments + [path]).json()
        #expect((document["connections"] as? [Any])?.count == rows)
        let summary = try #require(document["totals"] as? [String: Any])
        #expect(summary["connections"] as? Int == rows)
        #expect(summary["connections_read"] as? Int == Self.scenarioCount + 12)
        #expect(summary["filtered"] as? Bool == true)
    }

    @Test func connectionsTableColumns() throws {
        let directory = try ScratchDirectory()
        let path = try Self.mixedCapture(in: directory)
        let run = try runTCPDoctor(["capture", "--connections", "--port", "40003", path])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        for title in [
            "originator", "responder", "start (UTC)", "duration", "ended", "closer", "close_wait", "conn_state",
            "history", "completeness",
        ] {
            #expect(lines[0].contains(title), "\(title)")
        }
        let cells = lines[1].split(separator: " ").map(String.init)
        #expect(cells.contains("10.0.0.5:40003"))
        #expect(cells.contains("10.0.0.9:8080"))
        #expect(cells.contains("late_fin_reset"))
        #expect(cells.contains("responder"))
        #expect(lines[1].contains("originator 69.999 s"))
        #expect(cells.contains("SF"))
        // 2023-11-14 22:13:20 UTC plus the scenario's start.
        #expect(cells.contains("22:13:20.000000"))
    }

    @Test func ladderDrawsBothStateColumns() throws {
        let directory = try ScratchDirectory()
        let path = try Self.mixedCapture(in: directory)
        let svgPath = directory.file("ladder.svg")
        let run = try runTCPDoctor(["capture", "--ladder", "sport = :40003", "--svg", svgPath, path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("Wrote the ladder diagram to \(svgPath)"))
        let text = run.stdout
        #expect(text.contains("10.0.0.5:40003 -> 10.0.0.9:8080, ended late_fin_reset"), "\(text)")
        // The ladder rebuilds Zeek's columns, which the summary leaves out.
        #expect(text.contains("Zeek SF ShAfFr, Wireshark completeness 55 "), "\(text)")
        let lines = text.split(separator: "\n").map(String.init)
        // Packet 1 (of the file) is the scenario's SYN: SYN_SENT on the left, SYN_RECV on the right.
        let syn = try #require(lines.first { $0.contains("─SYN 0") })
        #expect(syn.contains("SYN_SENT") && syn.hasSuffix("SYN_RECV"), "\(syn)")
        let late = try #require(lines.first { $0.contains("FIN,ACK") && $0.contains("LAST_ACK") })
        #expect(late.contains("▶"), "\(late)")
        let reset = try #require(lines.first { $0.contains("◀") && $0.contains("RST") })
        #expect(reset.contains("CLOSE"), "\(reset)")
        // The server's orphaned FIN_WAIT2 expired between packets: an inferred row of its own.
        let timer = try #require(lines.first { $0.contains("FIN_WAIT2 timeout") })
        #expect(timer.contains("inferred") && timer.contains("CLOSE"), "\(timer)")
        #expect(text.contains("CLOSE_WAIT"))

        let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.contains("<svg") && svg.contains("</svg>"))
        #expect(svg.contains(">CLOSE_WAIT</text>"))
        #expect(svg.contains("FIN_WAIT2 timeout (inferred)"))
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }

    @Test func ladderByIndexFollowsTheTable() throws {
        let directory = try ScratchDirectory()
        let path = try Self.mixedCapture(in: directory)
        let table = try runTCPDoctor(["capture", "--connections", "--host", "10.0.0.7", path]).stdout
        let third = try #require(table.split(separator: "\n").dropFirst(3).first)
        let originator = String(third.split(separator: " ")[1])
        let ladder = try runTCPDoctor(["capture", "--ladder", "3", "--host", "10.0.0.7", path])
        #expect(ladder.status == 0, "\(ladder.stderr)")
        #expect(ladder.stdout.hasPrefix("Connection 3: \(originator) -> 10.0.0.9:9090"), "\(ladder.stdout)")

        let missing = try runTCPDoctor(["capture", "--ladder", "99", path])
        // The capture was read and the question well put: nothing matched (4), not a usage error.
        #expect(missing.status == 4)
        #expect(
            missing.stderr.contains("there is no connection 99: the capture has \(Self.scenarioCount + 12) connections")
        )
        let unmatched = try runTCPDoctor(["capture", "--ladder", "dport = :1", path])
        #expect(unmatched.status == 4)
        #expect(unmatched.stderr.contains("no connection matches --ladder"))
    }

    @Test func longConnectionLadderLeavesOutTheMiddle() throws {
        let directory = try ScratchDirectory()
        var c = ScenarioCapture(client: .test("10.0.0.5", 40_000), server: .test("10.0.0.9", 8080))
        c.handshake(at: 0)
        for index in 0..<1000 { c.send(.client, .ack, at: 0.01 + Double(index) * 0.001, payload: 1000) }
        c.send(.server, .ack, at: 2)
        c.send(.client, CloseScenario.finACK, at: 3)
        c.send(.server, CloseScenario.finACK, at: 3.001)
        c.send(.client, .ack, at: 3.002)
        let path = directory.file("bulk.pcap")
        try ScenarioCapture.write(c.segments, to: path)
        let run = try runTCPDoctor(["capture", "--ladder", "1", path])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        let gaps = lines.filter { $0.contains("packets without a change of state") }
        try #require(gaps.count == 1, "\(gaps)")
        // 1007 packets: the first 200 and the last 200 are drawn, the 607 between are counted.
        #expect(gaps[0].contains("⋮ 607 packets"), "\(gaps[0])")
        #expect(lines.filter { $0.contains("─▶") || $0.contains("◀─") }.count == 400)
        #expect(lines.contains { $0.contains("FIN,ACK") && $0.contains("TIME_WAIT") })
    }
}
