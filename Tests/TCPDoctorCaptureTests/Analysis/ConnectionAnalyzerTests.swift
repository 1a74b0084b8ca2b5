import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// The streaming behaviour: connections handed out as they finish, memory bounded and freed.
struct ConnectionAnalyzerTests {
    private let finACK: TCPFlags = [.fin, .ack]

    private func closedConversation(port: UInt16, at start: Double) -> Conversation {
        var c = Conversation(client: Endpoint(address: IPAddress("10.0.0.5")!, port: port))
        c.handshake(at: start)
        c.send(.client, finACK, at: start + 0.01)
        c.send(.server, finACK, at: start + 0.011)
        c.send(.client, .ack, at: start + 0.012)
        return c
    }

    @Test func finishedConnectionIsHandedOutAfterLinger() {
        var analyzer = ConnectionAnalyzer(hashSeed: 1)
        for segment in closedConversation(port: 40_000, at: 0).segments { analyzer.process(segment) }
        #expect(analyzer.openConnections == 1)
        #expect(analyzer.takeFinished().isEmpty)

        var other = Conversation(client: Endpoint(address: IPAddress("10.0.0.6")!, port: 40_001))
        other.send(.client, .syn, at: 30)
        other.send(.server, [.syn, .ack], at: 30.001)
        other.send(.client, .ack, at: 59)
        other.send(.client, .ack, at: 61)
        for segment in other.segments.prefix(3) { analyzer.process(segment) }
        #expect(analyzer.takeFinished().isEmpty)
        #expect(analyzer.openConnections == 2)

        analyzer.process(other.segments[3])
        let finished = analyzer.takeFinished()
        #expect(finished.count == 1)
        #expect(finished.first?.originator.port == 40_000)
        #expect(finished.first?.ended == .fin)
        #expect(analyzer.openConnections == 1)
        #expect(analyzer.connectionsFinished == 1)

        analyzer.finish(atEndNanoseconds: Conversation.nanoseconds(70))
        var drained: [Connection] = []
        analyzer.drainFinished { drained.append($0) }
        #expect(drained.map(\.originator.port) == [40_001])
        #expect(drained.first?.ended == .open)
        #expect(analyzer.openConnections == 0)
        #expect(analyzer.takeFinished().isEmpty)
    }

    /// Thousands of interleaved connections, half finished, half open at the end: every one comes
    /// out exactly once and the table is empty afterwards.
    @Test func manyInterleavedConnections() {
        let count = 4000
        var conversations: [Conversation] = []
        for index in 0..<count {
            var c = Conversation(
                client: Endpoint(
                    address: IPAddress(ipv4: 0x0a00_0000 | UInt32(index / 1000)),
                    port: UInt16(30_000 + index % 1000)
                ),
                server: Endpoint(address: IPAddress("2001:db8::9")!, port: 443),
                clientISN: UInt32(index) &* 7919
            )
            c.client = Endpoint(
                address: IPAddress(ipv6High: 0x2001_0db8_0000_0001, low: UInt64(index)),
                port: c.client.port
            )
            c.handshake(at: Double(index) * 0.001)
            if index % 2 == 0 {
                c.send(.client, finACK, at: Double(index) * 0.001 + 5)
                c.send(.server, finACK, at: Double(index) * 0.001 + 5.001)
            }
            conversations.append(c)
        }
        var segments = conversations.flatMap(\.segments)
        segments.sort { $0.timestampNanoseconds < $1.timestampNanoseconds }
        var analyzer = ConnectionAnalyzer(hashSeed: 7)
        for segment in segments { analyzer.process(segment) }
        #expect(analyzer.openConnections == count)
        #expect(analyzer.peakOpenConnections == count)
        analyzer.finish(atEndNanoseconds: Conversation.nanoseconds(100))
        let connections = analyzer.takeFinished()
        #expect(connections.count == count)
        #expect(connections.filter { $0.ended == .fin }.count == count / 2)
        #expect(connections.filter { $0.ended == .open }.count == count / 2)
        #expect(Set(connections.map(\.originator)).count == count)
        #expect(connections.allSatisfy { $0.responder.port == 443 && $0.originatorBasis == .syn })
        #expect(analyzer.openConnections == 0)
        #expect(analyzer.segmentsProcessed == UInt64(segments.count))
    }

    /// `finish(atEndNanoseconds:_:)` hands connections over one by one, waiting ones first.
    @Test func streamingFinish() {
        var analyzer = ConnectionAnalyzer(hashSeed: 5)
        for segment in closedConversation(port: 40_000, at: 0).segments { analyzer.process(segment) }
        for segment in closedConversation(port: 40_001, at: 100).segments { analyzer.process(segment) }
        var seen: [UInt16] = []
        analyzer.finish(atEndNanoseconds: Conversation.nanoseconds(101)) { seen.append($0.originator.port) }
        #expect(seen == [40_000, 40_001])
        #expect(analyzer.openConnections == 0)
        #expect(analyzer.takeFinished().isEmpty)
    }

    /// What the analyzer reserves, record pages and index included, stays under 1 KB per open
    /// connection once the pages are full.
    @Test func reservedBytesPerOpenConnection() {
        var analyzer = ConnectionAnalyzer(hashSeed: 11)
        // Two full pages of records.
        let count = 2 * TrackerSlab.pageSize
        for index in 0..<count {
            var c = Conversation(
                client: Endpoint(address: IPAddress(ipv4: 0x0a00_0000 | UInt32(index)), port: 40_000),
                clientISN: UInt32(index)
            )
            c.handshake(at: Double(index) * 0.0001)
            for segment in c.segments { analyzer.process(segment) }
        }
        #expect(analyzer.openConnections == count)
        let perConnection = analyzer.reservedBytes / count
        #expect(perConnection <= 1024, "\(perConnection) bytes per open connection")
    }

    /// A storm of RSTs and retransmitted FINs keeps the record bounded and the last state right.
    @Test func stormsStayBounded() throws {
        var c = Conversation()
        c.handshake()
        c.send(.server, [.fin, .ack], at: 1)
        c.send(.client, .ack, at: 1.001)
        c.send(.client, [.fin, .ack], at: 80)
        for index in 0..<200 {
            c.send(.server, .rst, at: 80.001 + Double(index) * 0.001, sequence: UInt32(index) &* 1000)
            c.send(.client, [.ack, .psh], at: 80.0015 + Double(index) * 0.001, payload: 10)
        }
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .lateFINReset)
        #expect(connection.zeekHistory?.count == ZeekHistory.capacity)
        #expect(connection.responderTimeline.transitions.count <= TimelineBuffer.capacity)
        #expect(connection.responderTimeline.finalState == .closed)
        #expect(connection.originatorTimeline.finalState == .closed)
    }

    /// The per-connection record is flat (no references, so no heap use while open) and, with its
    /// share of the flow table, stays under 1 KB.
    @Test func perConnectionMemory() {
        let record = MemoryLayout<ConnectionTracker>.stride
        // The table holds at most one 8-byte word per two slots' worth of capacity: 16 bytes per
        // connection at its fullest, 32 right after it doubles.
        let index = 32
        #expect(record + index <= 1024, "tracker \(record) bytes")
        #expect(_isPOD(ConnectionTracker.self))
        #expect(_isPOD(TimelineBuffer.self))
        #expect(_isPOD(ZeekHistory.self))
    }
}
