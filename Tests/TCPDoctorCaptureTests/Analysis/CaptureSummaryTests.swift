import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

struct CaptureSummaryTests {
    private let finACK: TCPFlags = [.fin, .ack]
    private let server = Endpoint(address: IPAddress("10.0.0.9")!, port: 8080)

    /// The server closes idle connections; the client holds CLOSE_WAIT 97 s, and its late FIN meets
    /// RST because the server's orphaned FIN_WAIT2 is long gone.
    private func leakyClientConnection(port: UInt16, at start: Double) -> [TCPSegment] {
        var c = Conversation(client: Endpoint(address: IPAddress("10.0.0.5")!, port: port), server: server)
        c.handshake(at: start)
        c.send(.client, [.ack, .psh], at: start + 0.01, payload: 300)
        c.send(.server, [.ack, .psh], at: start + 0.02, payload: 2000)
        c.send(.server, finACK, at: start + 5)
        c.send(.client, .ack, at: start + 5.001)
        c.send(.client, finACK, at: start + 102.001)
        c.send(.server, .rst, at: start + 102.002)
        return c.segments
    }

    private func analyze(_ segments: [TCPSegment]) -> [Connection] {
        var analyzer = ConnectionAnalyzer(hashSeed: 3)
        var connections: [Connection] = []
        for segment in segments.sorted(by: { $0.timestampNanoseconds < $1.timestampNanoseconds }) {
            analyzer.process(segment)
            connections += analyzer.takeFinished()
        }
        analyzer.finish(atEndNanoseconds: Conversation.nanoseconds(400))
        return connections + analyzer.takeFinished()
    }

    @Test func firstFindingsAreThoseOfTheWholeList() throws {
        var segments: [TCPSegment] = []
        for index in 0..<30 {
            var c = Conversation(
                client: Endpoint(address: IPAddress("10.1.0.\(index)")!, port: UInt16(40_000 + index)),
                server: server
            )
            c.handshake(at: Double(index))
            c.send(.server, finACK, at: Double(index) + 1)
            c.send(.client, .ack, at: Double(index) + 1.001)
            segments += c.segments
            var refused = Conversation(
                client: Endpoint(address: IPAddress("10.2.0.5")!, port: UInt16(41_000 + index)),
                server: Endpoint(address: IPAddress("10.0.0.\(index % 5 + 20)")!, port: 443)
            )
            refused.send(.client, .syn, at: Double(index))
            refused.send(.server, [.rst, .ack], at: Double(index) + 0.001, sequence: 0)
            segments += refused.segments
        }
        segments += leakyClientConnection(port: 45_000, at: 3)
        var summary = CaptureSummary()
        for connection in analyze(segments) { summary.add(connection) }
        let all = summary.findings()
        #expect(all.count == 36)
        for limit in [0, 1, 10, 36, 50] {
            let (first, severities) = summary.findings(first: limit)
            #expect(first == Array(all.prefix(limit)))
            #expect(severities == all.map(\.severity))
        }
    }

    /// The report's tables take the first rows of the groups' order without sorting them all: the
    /// rows must be those of the full order, ties (one client holder toward several services, equal
    /// counts and durations) in the same order.
    @Test func firstCloseWaitGroupsAreThoseOfTheWholeOrder() {
        var segments: [TCPSegment] = []
        var port: UInt16 = 40_000
        for client in 0..<4 {
            for service in 0..<6 {
                for repeated in 0...(service % 2) {
                    var c = Conversation(
                        client: Endpoint(address: IPAddress("10.1.0.\(client)")!, port: port),
                        server: Endpoint(address: IPAddress("10.0.0.\(service % 3 + 1)")!, port: UInt16(8080 + service))
                    )
                    port += 1
                    let start = Double(client * 20 + service * 3 + repeated)
                    let held = Double(2 + (client + service) % 2)
                    c.handshake(at: start)
                    c.send(.server, finACK, at: start + 1)
                    c.send(.client, .ack, at: start + 1.001)
                    c.send(.client, finACK, at: start + 1.001 + held)
                    c.send(.server, .ack, at: start + 1.002 + held)
                    segments += c.segments
                }
            }
        }
        var summary = CaptureSummary()
        for connection in analyze(segments) { summary.add(connection) }
        let most = summary.closeWaitGroups(heldAtLeast: 1)
        let longest = summary.longestCloseWaitGroups(heldAtLeast: 1)
        #expect(most.count == 24)
        #expect(Set(most.map(\.key.holder)).count == 4)
        for limit in [0, 1, 5, 13, 24, 30] {
            #expect(summary.closeWaitGroups(heldAtLeast: 1, first: limit) == Array(most.prefix(limit)))
            #expect(summary.longestCloseWaitGroups(heldAtLeast: 1, first: limit) == Array(longest.prefix(limit)))
        }
        #expect(summary.closeWaitGroups(heldAtLeast: 2, first: 30) == summary.closeWaitGroups(heldAtLeast: 2))
    }

    @Test func closeWaitHolderWithLateFINReset() throws {
        var segments: [TCPSegment] = []
        for index in 0..<40 { segments += leakyClientConnection(port: UInt16(40_000 + index), at: Double(index)) }
        // Renumber packets in time order, as a capture file would.
        segments.sort { $0.timestampNanoseconds < $1.timestampNanoseconds }
        for index in segments.indices { segments[index].packetNumber = UInt64(index + 1) }
        let connections = analyze(segments)
        #expect(connections.count == 40)
        #expect(connections.allSatisfy { $0.ended == .lateFINReset })

        var summary = CaptureSummary()
        for connection in connections { summary.add(connection) }
        #expect(summary.connections == 40)
        #expect(summary.byEnding == [.lateFINReset: 40])
        #expect(summary.byZeekState == [.SF: 40])
        #expect(summary.byActiveCloser == [.responder: 40])
        let group = try #require(summary.closeWaitGroups.first)
        #expect(summary.closeWaitGroups.count == 1)
        #expect(group.key.holder == Endpoint(address: IPAddress("10.0.0.5")!, port: 0))
        #expect(group.key.peer == server)
        #expect(group.heldConnections == 40)
        #expect(group.lateFINResets == 40)
        #expect(group.longestSeconds == 97)

        let findings = summary.findings()
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == "capture-close-wait")
        #expect(finding.severity == .critical)
        #expect(
            finding.summary
                == "10.0.0.5 held CLOSE_WAIT for up to 97 s on 40 connections to 10.0.0.9:8080, then its late FIN "
                + "met RST: it does not close its responses (connections the server has closed)"
        )
        #expect(finding.evidence.first { $0.key == "late_fin_resets" }?.value == .integer(40))
        #expect(finding.evidence.first { $0.key == "connections" }?.value == .integer(40))
        #expect(finding.why.contains("tcp_fin_timeout"))
        #expect(finding.remedies.contains { $0.contains("defer resp.Body.Close()") })
    }

    /// An HTTP client pool reuses a connection the server closed 90 s earlier: the request meets RST.
    @Test func reusedHalfClosedConnectionMeetsReset() throws {
        var c = Conversation(server: server)
        c.handshake()
        c.send(.server, finACK, at: 5)
        c.send(.client, .ack, at: 5.001)
        c.send(.client, [.ack, .psh], at: 95.001, payload: 300)
        c.send(.server, .rst, at: 95.002)
        let connection = try #require(analyze(c.segments).first)
        #expect(connection.ended == .reset)
        #expect(connection.reset?.side == .responder)
        #expect(connection.reset?.senderState == .finWait2)
        #expect(connection.closeWait?.endedBy == .reset)
        #expect(connection.closeWait?.seconds == 90.001)
        #expect(connection.halfClose?.bytes == 300)

        var summary = CaptureSummary()
        summary.add(connection)
        let finding = try #require(summary.findings().first)
        #expect(
            finding.summary
                == "10.0.0.5 held CLOSE_WAIT for 90 s on 1 connection to 10.0.0.9:8080, then the peer answered it "
                + "with RST: it does not close its responses (connections the server has closed)"
        )
        #expect(finding.severity == .critical)
        #expect(finding.evidence.first { $0.key == "resets_by_peer" }?.value == .integer(1))
    }

    @Test func promptPassiveClosesAreNotFindings() {
        var c = Conversation(server: server)
        c.handshake()
        c.send(.client, finACK, at: 1)
        c.send(.server, .ack, at: 1.0001)
        c.send(.server, finACK, at: 1.0002)
        c.send(.client, .ack, at: 1.0003)
        var summary = CaptureSummary()
        for connection in analyze(c.segments) { summary.add(connection) }
        #expect(summary.closeWaitGroups.first?.connections == 1)
        #expect(summary.closeWaitGroups.first?.heldConnections == 0)
        #expect(summary.findings().isEmpty)
    }

    @Test func refusedAndUnansweredServices() throws {
        var segments: [TCPSegment] = []
        for index in 0..<4 {
            var refused = Conversation(
                client: Endpoint(address: IPAddress("10.0.0.5")!, port: UInt16(41_000 + index)),
                server: server
            )
            refused.send(.client, .syn, at: Double(index))
            refused.send(.server, [.rst, .ack], at: Double(index) + 0.001, sequence: 0)
            segments += refused.segments
            var silent = Conversation(
                client: Endpoint(address: IPAddress("10.0.0.5")!, port: UInt16(42_000 + index)),
                server: Endpoint(address: IPAddress("10.0.0.10")!, port: 5432)
            )
            silent.send(.client, .syn, at: Double(index))
            silent.send(.client, .syn, at: Double(index) + 1, sequence: 1000)
            segments += silent.segments
        }
        var summary = CaptureSummary()
        for connection in analyze(segments) { summary.add(connection) }
        #expect(summary.byEnding == [.rejected: 4, .noAnswer: 4])
        let findings = summary.findings()
        #expect(findings.map(\.rule) == ["capture-refused", "capture-no-answer"])
        #expect(findings.first?.summary == "10.0.0.9:8080 refused 4 of 4 connection attempts (RST to SYN)")
        #expect(findings.last?.summary == "SYNs to 10.0.0.10:5432 went unanswered on 4 of 4 connections")
    }

    @Test func serverThatResetsEstablishedConnections() throws {
        var segments: [TCPSegment] = []
        for index in 0..<10 {
            var c = Conversation(
                client: Endpoint(address: IPAddress("10.0.0.5")!, port: UInt16(43_000 + index)),
                server: server
            )
            c.handshake(at: Double(index))
            c.send(.server, [.rst, .ack], at: Double(index) + 0.5)
            segments += c.segments
        }
        var summary = CaptureSummary()
        for connection in analyze(segments) { summary.add(connection) }
        let finding = try #require(summary.findings().first)
        #expect(finding.rule == "capture-resets")
        #expect(finding.summary == "10.0.0.9:8080 aborted 10 connections with RST (10 in ESTABLISHED)")
    }

    @Test(arguments: [(97.2, "97 s"), (2.46, "2.5 s"), (0.4994, "499 ms"), (10, "10 s")])
    func secondsAreFormattedForPeople(seconds: Double, text: String) {
        #expect(CaptureSummary.formatSeconds(seconds) == text)
    }
}
