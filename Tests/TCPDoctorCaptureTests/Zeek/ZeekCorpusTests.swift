import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// Agreement with Zeek's conn.log on the corpus of `ZeekCorpus`: how many of the connections
/// Zeek would log are found, and on how many `conn_state`, `history` and the originator agree.
///
/// The traces are written into real capture files (one per link type) with the package's
/// writer, read back with the reader and analysed as `tcpdoctor capture` does.
struct ZeekCorpusTests {
    struct Measured {
        var expected = 0
        var found = 0
        var stateAgrees = 0
        var historyAgrees = 0
        var originatorAgrees = 0
        var disagreements: [String] = []

        func percent(_ count: Int, of total: Int) -> Double { total == 0 ? 0 : Double(count) * 100 / Double(total) }
    }

    /// Runs the whole corpus; each trace gets its own client address and a time of its own.
    static func measure() throws -> Measured {
        var byLinkType: [UInt16: [(TCPSegment, ZeekCorpus.Carrier)]] = [:]
        var expectations: [(trace: ZeekCorpus.Trace, client: Endpoint, server: Endpoint)] = []
        for (index, trace) in ZeekCorpus.traces.enumerated() {
            var c = Conversation(
                client: Endpoint(address: IPAddress(ipv4: 0x0a01_0000 | UInt32(index + 1)), port: 40_000),
                server: Endpoint(address: IPAddress(ipv4: 0x0a02_0001), port: trace.serverPort)
            )
            trace.steps(&c)
            expectations.append((trace, c.client, c.server))
            for var segment in c.segments {
                segment.timestampNanoseconds += Int64(index) * 100_000_000_000 + 1_700_000_000_000_000_000
                byLinkType[trace.carrier.linkType.rawValue, default: []].append((segment, trace.carrier))
            }
        }
        var connections: [Connection] = []
        let builder = PacketBuilder(linkType: .raw)
        for (rawLinkType, packets) in byLinkType {
            let writer = PCAPWriter(linkType: LinkType(rawValue: rawLinkType))
            for (segment, carrier) in packets.sorted(by: { $0.0.timestampNanoseconds < $1.0.timestampNanoseconds }) {
                try writer.write(
                    carrier.wrap(builder.frame(for: segment)),
                    timestampNanoseconds: segment.timestampNanoseconds
                )
            }
            let read = try readSegments(writer.bytes)
            #expect(read.warnings.isEmpty, "\(read.warnings)")
            var analyzer = ConnectionAnalyzer(configuration: .init(), hashSeed: 7)
            for segment in read.segments {
                analyzer.process(segment)
                connections += analyzer.takeFinished()
            }
            analyzer.finish(atEndNanoseconds: read.segments.last?.timestampNanoseconds ?? 0)
            connections += analyzer.takeFinished()
        }
        var measured = Measured()
        for (trace, client, server) in expectations {
            measured.expected += 1
            guard
                let connection = connections.first(where: {
                    ($0.originator == client && $0.responder == server)
                        || ($0.originator == server && $0.responder == client)
                })
            else {
                measured.disagreements.append("\(trace.testDescription): not found")
                continue
            }
            measured.found += 1
            let zeekOriginator = connection.zeekRolesSwapped ? connection.responder : connection.originator
            let expectedOriginator = trace.clientOriginates ? client : server
            if zeekOriginator == expectedOriginator { measured.originatorAgrees += 1 }
            if connection.zeekConnState == trace.state { measured.stateAgrees += 1 }
            if connection.zeekHistory == trace.history { measured.historyAgrees += 1 }
            if zeekOriginator != expectedOriginator || connection.zeekConnState != trace.state
                || connection.zeekHistory != trace.history
            {
                measured.disagreements.append(
                    "\(trace.testDescription): \(zeekOriginator) \(connection.zeekConnState?.rawValue ?? "-") "
                        + "\(connection.zeekHistory ?? "-"), Zeek: \(expectedOriginator) \(trace.state.rawValue) \(trace.history)"
                )
            }
        }
        return measured
    }

    /// The issue's targets: at least 95% found, 98% conn_state, 90% history.
    @Test func agreementMeetsTheTargets() throws {
        let m = try Self.measure()
        let found = m.percent(m.found, of: m.expected)
        let state = m.percent(m.stateAgrees, of: m.found)
        let history = m.percent(m.historyAgrees, of: m.found)
        let originator = m.percent(m.originatorAgrees, of: m.found)
        print(
            "Zeek corpus: \(m.expected) connections; found \(m.found) (\(found)%), conn_state \(m.stateAgrees) (\(state)%), "
                + "history \(m.historyAgrees) (\(history)%), originator \(m.originatorAgrees) (\(originator)%)"
        )
        for line in m.disagreements { print("  differs: \(line)") }
        #expect(found >= 95)
        #expect(state >= 98)
        #expect(history >= 90)
        #expect(originator >= 98)
    }

    /// Every trace of the rules agrees on its own, so that a rule that breaks names itself.
    @Test(arguments: ZeekCorpus.rules)
    func ruleAgrees(trace: ZeekCorpus.Trace) throws {
        var c = Conversation(server: Endpoint(address: IPAddress(ipv4: 0x0a02_0001), port: trace.serverPort))
        trace.steps(&c)
        let connection = try #require(c.analyze().first)
        let zeekOriginator = connection.zeekRolesSwapped ? connection.responder : connection.originator
        #expect(zeekOriginator == (trace.clientOriginates ? c.client : c.server))
        #expect(connection.zeekConnState == trace.state)
        #expect(connection.zeekHistory == trace.history)
    }
}
