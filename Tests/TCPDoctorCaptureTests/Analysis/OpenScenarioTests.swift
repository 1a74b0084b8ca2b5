import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// Connection starts: unanswered and refused SYNs, retransmissions, port reuse, mid-stream
/// captures, simultaneous open.
struct OpenScenarioTests {
    private let finACK: TCPFlags = [.fin, .ack]
    private let data: TCPFlags = [.ack, .psh]

    @Test func unansweredSYN() throws {
        var c = Conversation()
        c.send(.client, .syn, at: 0)
        c.send(.client, .syn, at: 1, sequence: 1000)
        c.send(.client, .syn, at: 3, sequence: 1000)
        let connections = c.analyze()
        #expect(connections.count == 1)
        let connection = try #require(connections.first)
        #expect(connection.ended == .noAnswer)
        #expect(connection.originatorStats.synRetransmissions == 2)
        #expect(connection.originatorStats.packets == 3)
        #expect(connection.zeekConnState == .S0)
        #expect(connection.zeekHistory == "S")
        #expect(connection.completeness == .syn)
        #expect(connection.originatorTimeline.states == [.synSent])
        #expect(connection.responderTimeline.initialState == nil)
        #expect(connection.responderTimeline.transitions.isEmpty)
        #expect(connection.responderStats.packets == 0)
    }

    @Test func refusedConnection() throws {
        var c = Conversation()
        c.send(.client, .syn, at: 0)
        c.send(.server, [.rst, .ack], at: 0.0001, sequence: 0)
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .rejected)
        #expect(connection.zeekConnState == .REJ)
        #expect(connection.zeekHistory == "Sr")
        // SYN, the RST+ACK counts as ACK (ACK without SYN) and RST: 1 + 4 + 32.
        #expect(connection.completeness.rawValue == 37)
        #expect(connection.responderTimeline.initialState == .closed)
        let answer = try #require(connection.responderTimeline.transitions.first)
        #expect(connection.responderTimeline.transitions.count == 1)
        #expect(answer.from == .closed && answer.to == .closed)
        #expect(answer.event == .receiveSYN)
        #expect(answer.sends == .rst)
        #expect(answer.packetNumber == 1)
        #expect(connection.originatorTimeline.states == [.synSent, .closed])
        #expect(connection.reset?.answered == .receiveSYN)
        #expect(connection.reset?.senderState == .closed)
        #expect(connection.reset?.receiverState == .synSent)
    }

    @Test func synRetransmissionIsNotANewConnection() throws {
        var c = Conversation()
        c.send(.client, .syn, at: 0)
        c.send(.client, .syn, at: 1, sequence: 1000)
        c.send(.server, [.syn, .ack], at: 1.001)
        c.send(.client, .ack, at: 1.002)
        let connections = c.analyze()
        #expect(connections.count == 1)
        let connection = try #require(connections.first)
        #expect(connection.ended == .open)
        #expect(connection.originatorStats.synRetransmissions == 1)
        #expect(connection.zeekConnState == .S1)
        #expect(connection.zeekHistory == "ShA")
        #expect(connection.completeness.rawValue == 7)
        // The responder's SYN_RECV is dated by the SYN it answered: the last one before its answer
        // is not known, so the first is kept.
        #expect(connection.responderTimeline.transitions.first?.packetNumber == 1)
    }

    @Test func newSYNWithNewSequenceAfterNoAnswerIsANewConnection() throws {
        var c = Conversation()
        c.send(.client, .syn, at: 0)
        c.send(.client, .syn, at: 5, sequence: 777_777)
        let connections = c.analyze()
        #expect(connections.count == 2)
        #expect(connections.allSatisfy { $0.ended == .noAnswer })
        #expect(connections.map(\.firstPacketNumber) == [1, 2])
    }

    @Test func portReuseAfterAFinishedConnection() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, finACK, at: 1.0)
        c.send(.server, finACK, at: 1.001)
        c.send(.client, .ack, at: 1.002)
        // Within the client's TIME_WAIT: Linux accepts a SYN with a higher sequence number.
        c.send(.client, .syn, at: 5, sequence: 900_000)
        c.send(.server, [.syn, .ack], at: 5.001, sequence: 800_000, ack: 900_001)
        c.send(.client, .ack, at: 5.002, sequence: 900_001, ack: 800_001)
        let connections = c.analyze()
        #expect(connections.count == 2)
        let first = try #require(connections.first)
        let second = try #require(connections.last)
        #expect(first.ended == .fin)
        #expect(first.lastPacketNumber == 6)
        #expect(first.originatorTimeline.finalState == .timeWait)
        #expect(second.firstPacketNumber == 7)
        #expect(second.ended == .open)
        #expect(second.originatorTimeline.states == [.synSent, .established])
        #expect(second.zeekHistory == "ShA")
        #expect(second.originator == first.originator)
    }

    @Test func midStreamCaptureGuessesTheOriginatorByPort() throws {
        var c = Conversation(server: Endpoint(address: IPAddress("10.0.0.9")!, port: 80))
        c.send(.server, data, at: 0, payload: 500)
        c.send(.client, .ack, at: 0.001)
        c.send(.client, finACK, at: 1)
        c.send(.server, finACK, at: 1.001)
        c.send(.client, .ack, at: 1.002)
        let connection = try #require(c.analyze().first)
        #expect(connection.startedMidStream)
        #expect(connection.originatorBasis == .wellKnownPort)
        #expect(connection.originator == c.client)
        #expect(connection.originatorTimeline.initialState == .established)
        #expect(connection.responderTimeline.initialState == .established)
        #expect(connection.originatorTimeline.states == [.finWait1, .timeWait])
        #expect(connection.ended == .fin)
        #expect(connection.activeCloser == .originator)
        #expect(connection.zeekConnState == .SF)
        // The server (8080, a likely server port) sent first: Zeek flips the roles and says so.
        #expect(connection.zeekHistory == "^dAFf")
        // Wireshark counts nothing of a first segment that is not a SYN: ACK and FIN only.
        #expect(connection.completeness.rawValue == 20)
    }

    @Test func midStreamOpenConnectionIsOTH() throws {
        var c = Conversation()
        c.send(.client, data, at: 0, payload: 10)
        c.send(.server, .ack, at: 0.001)
        let connection = try #require(c.analyze().first)
        #expect(connection.originatorBasis == .ephemeralPort)
        #expect(connection.originator == c.client)
        #expect(connection.ended == .open)
        #expect(connection.zeekConnState == .OTH)
        #expect(connection.originatorTimeline.transitions.isEmpty)
    }

    @Test(arguments: [
        (UInt16(443), UInt16(51_000), false, Connection.OriginatorBasis.wellKnownPort),
        (UInt16(51_000), UInt16(443), true, .wellKnownPort),
        (UInt16(5432), UInt16(40_000), false, .ephemeralPort),
        (UInt16(9000), UInt16(8080), true, .lowerPort),
        (UInt16(7000), UInt16(7000), true, .firstPacket),
    ])
    func originatorGuess(
        source: UInt16,
        destination: UInt16,
        sourceIsOriginator: Bool,
        basis: Connection.OriginatorBasis
    ) {
        let guess = OriginatorGuess.guess(sourcePort: source, destinationPort: destination)
        #expect(guess.sourceIsOriginator == sourceIsOriginator)
        #expect(guess.basis == basis)
    }

    @Test func synACKFirstMakesItsDestinationTheOriginator() throws {
        var c = Conversation()
        c.send(.server, [.syn, .ack], at: 0, ack: 1001)
        c.send(.client, .ack, at: 0.001, sequence: 1001)
        let connection = try #require(c.analyze().first)
        #expect(connection.originatorBasis == .synACK)
        #expect(connection.startedMidStream)
        #expect(connection.originator == c.client)
        #expect(connection.originatorTimeline.initialState == .synSent)
        #expect(connection.originatorTimeline.states == [.established])
        #expect(connection.responderTimeline.states == [.established])
        // Zeek flips a SYN+ACK from a likely server port (8080) and marks it with `^`.
        #expect(connection.zeekHistory == "^hA")
        #expect(!connection.zeekRolesSwapped)
    }

    @Test func simultaneousOpen() throws {
        var c = Conversation(
            client: Endpoint(address: IPAddress("10.0.0.5")!, port: 7000),
            server: Endpoint(address: IPAddress("10.0.0.9")!, port: 7000)
        )
        c.send(.client, .syn, at: 0)
        c.send(.server, .syn, at: 0.0001)
        c.send(.client, [.syn, .ack], at: 0.001, sequence: 1000)
        c.send(.server, [.syn, .ack], at: 0.0011, sequence: 5000)
        let connection = try #require(c.analyze().first)
        #expect(connection.originatorTimeline.states == [.synSent, .synReceived, .established])
        #expect(connection.responderTimeline.initialState == .closed)
        #expect(connection.responderTimeline.states == [.synSent, .synReceived, .established])
        #expect(connection.ended == .open)
    }
}
