import Foundation
import TCPDoctorCapture
import TCPDoctorCore
import Testing

/// `tcpdoctor capture --zeek`: Zeek's conn.log, TSV and JSON, byte for byte where Zeek's format
/// fixes the bytes (the header, every value but the uid and the #open/#close times).
struct ZeekConnLogTests {
    /// Three connections whose conn.log lines follow from Zeek's rules: a whole exchange (SF), a
    /// SYN without an answer (S0: no duration, no byte counts), and a connection first seen from
    /// the server's port 80 in mid-stream, which Zeek flips (`^`) so that the client originates.
    static func capture(in directory: ScratchDirectory) throws -> String {
        var whole = ScenarioCapture(client: .test("10.0.0.5", 43_210), server: .test("10.0.0.9", 80))
        whole.handshake(at: 0)
        whole.send(.client, [.psh, .ack], at: 0.003, payload: 100)
        whole.send(.server, .ack, at: 0.004)
        whole.send(.server, [.psh, .ack], at: 0.005, payload: 200)
        whole.send(.client, CloseScenario.finACK, at: 0.006)
        whole.send(.server, CloseScenario.finACK, at: 0.007)
        whole.send(.client, .ack, at: 0.008)
        var unanswered = ScenarioCapture(client: .test("10.0.0.5", 43_211), server: .test("10.0.0.9", 80))
        unanswered.send(.client, .syn, at: 1)
        var midStream = ScenarioCapture(client: .test("10.0.0.5", 43_212), server: .test("10.0.0.9", 80))
        midStream.send(.server, [.psh, .ack], at: 2, payload: 100)
        midStream.send(.client, .ack, at: 2.001)
        let path = directory.file("zeek.pcap")
        try ScenarioCapture.write(whole.segments + unanswered.segments + midStream.segments, to: path)
        return path
    }

    static let expectedRows = [
        "1700000000.000000 10.0.0.5 43210 10.0.0.9 80 tcp 0.008000 100 200 SF 0 ShADadFf 5 300 4 360",
        "1700000001.000000 10.0.0.5 43211 10.0.0.9 80 tcp - - - S0 0 S 1 40 0 0",
        "1700000002.000000 10.0.0.5 43212 10.0.0.9 80 tcp 0.001000 0 100 OTH 0 ^dA 1 40 1 140",
    ]

    @Test func tsvHasZeeksHeaderAndRows() throws {
        let directory = try ScratchDirectory()
        let run = try runTCPDoctor(["capture", "--zeek", try Self.capture(in: directory)])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count == 13, "\(run.stdout)")
        #expect(
            Array(lines[0..<5]) == [
                "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn",
            ]
        )
        #expect(lines[5].wholeMatch(of: /#open\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d/) != nil, "\(lines[5])")
        #expect(
            lines[6]
                == "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_bytes\tresp_bytes\tconn_state\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes"
        )
        #expect(
            lines[7]
                == "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tinterval\tcount\tcount\tstring\tcount\tstring\tcount\tcount\tcount\tcount"
        )
        for (line, expected) in zip(lines[8..<11], Self.expectedRows) {
            var columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(columns.count == 17, "\(line)")
            #expect(columns[1].wholeMatch(of: /C[0-9A-Za-z]{17}/) != nil, "\(columns[1])")
            columns.remove(at: 1)
            #expect(columns.joined(separator: " ") == expected)
        }
        #expect(lines[11].wholeMatch(of: /#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d/) != nil, "\(lines[11])")
        #expect(lines[12].isEmpty)
    }

    @Test func jsonLinesLeaveUnsetFieldsOut() throws {
        let directory = try ScratchDirectory()
        let run = try runTCPDoctor(["capture", "--zeek", "--json", try Self.capture(in: directory)])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(run.stdout)")
        let uid = /"uid":"C[0-9A-Za-z]{17}",/
        #expect(
            lines[0].replacing(uid, with: "")
                == #"{"ts":1700000000.0,"id.orig_h":"10.0.0.5","id.orig_p":43210,"id.resp_h":"10.0.0.9","id.resp_p":80,"proto":"tcp","duration":0.008,"orig_bytes":100,"resp_bytes":200,"conn_state":"SF","missed_bytes":0,"history":"ShADadFf","orig_pkts":5,"orig_ip_bytes":300,"resp_pkts":4,"resp_ip_bytes":360}"#
        )
        #expect(
            lines[1].replacing(uid, with: "")
                == #"{"ts":1700000001.0,"id.orig_h":"10.0.0.5","id.orig_p":43211,"id.resp_h":"10.0.0.9","id.resp_p":80,"proto":"tcp","conn_state":"S0","missed_bytes":0,"history":"S","orig_pkts":1,"orig_ip_bytes":40,"resp_pkts":0,"resp_ip_bytes":0}"#
        )
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["uid"] is String)
        }
    }

    @Test func zeekIsNotATableOrALadder() throws {
        let directory = try ScratchDirectory()
        let path = try Self.capture(in: directory)
        for extra in [["--connections"], ["--ladder", "1"]] {
            let run = try runTCPDoctor(["capture", "--zeek"] + extra + [path])
            #expect(run.status == 64, "\(extra): \(run.stderr)")
            #expect(run.stderr.contains("--zeek"), "\(run.stderr)")
        }
    }
}
