import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// Orderly closes: who closed first, CLOSE_WAIT, half-close, retransmitted FIN.
struct CloseScenarioTests {
    private let data: TCPFlags = [.ack, .psh]
    private let finACK: TCPFlags = [.fin, .ack]

    @Test func clientClosesFirst() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, data, at: 0.01, payload: 100)
        c.send(.server, data, at: 0.02, payload: 200)
        c.send(.client, .ack, at: 0.03)
        c.send(.client, finACK, at: 1.0)
        c.send(.server, .ack, at: 1.001)
        c.send(.server, finACK, at: 1.5)
        c.send(.client, .ack, at: 1.501)
        let connections = c.analyze()
        #expect(connections.count == 1)
        let connection = try #require(connections.first)
        #expect(connection.originator == c.client)
        #expect(connection.responder == c.server)
        #expect(connection.originatorBasis == .syn)
        #expect(!connection.startedMidStream)
        #expect(connection.ended == .fin)
        #expect(connection.activeCloser == .originator)
        #expect(connection.originatorTimeline.initialState == .closed)
        #expect(connection.originatorTimeline.states == [.synSent, .established, .finWait1, .finWait2, .timeWait])
        #expect(connection.originatorTimeline.transitions.map(\.packetNumber) == [1, 2, 7, 8, 9])
        #expect(connection.responderTimeline.initialState == .listen)
        #expect(connection.responderTimeline.states == [.synReceived, .established, .closeWait, .lastAck, .closed])
        #expect(connection.responderTimeline.transitions.map(\.packetNumber) == [1, 3, 7, 9, 10])
        #expect(connection.responderTimeline.transitions.first?.sends == .synACK)
        let closeWait = try #require(connection.closeWait)
        #expect(closeWait.side == .responder)
        #expect(closeWait.startNanoseconds == Conversation.nanoseconds(1.001))
        #expect(closeWait.endNanoseconds == Conversation.nanoseconds(1.5))
        #expect(closeWait.endedBy == .fin)
        #expect(connection.halfClose == nil)
        #expect(connection.reset == nil)
        #expect(connection.zeekConnState == .SF)
        #expect(connection.zeekHistory == "ShADdFaf")
        #expect(connection.completeness.rawValue == 31)
        #expect(connection.completeness.letters == "·FDASS")
        #expect(connection.originatorStats.bytes == 100)
        #expect(connection.responderStats.bytes == 200)
        #expect(connection.originatorStats.packets == 6)
        #expect(connection.responderStats.finPacketNumber == 9)
    }

    @Test func timeWaitEndsSixtySecondsLaterWhenTheCaptureRunsOn() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, finACK, at: 1.0)
        c.send(.server, finACK, at: 1.001)
        c.send(.client, .ack, at: 1.002)
        let connection = try #require(c.analyze(endSeconds: 100).first)
        let last = try #require(connection.originatorTimeline.transitions.last)
        #expect(last.from == .timeWait && last.to == .closed)
        #expect(last.event == .timeWaitTimeout)
        #expect(last.inferred)
        #expect(last.packetNumber == nil)
        #expect(last.timestampNanoseconds == Conversation.nanoseconds(61.001))
        // FIN+ACK straight from FIN_WAIT1 to TIME_WAIT.
        #expect(connection.originatorTimeline.states == [.synSent, .established, .finWait1, .timeWait, .closed])
        #expect(connection.closeWait?.seconds == 0.001)
    }

    @Test func serverClosesFirst() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, data, at: 0.01, payload: 100)
        c.send(.server, data, at: 0.02, payload: 200)
        c.send(.client, .ack, at: 0.03)
        c.send(.server, finACK, at: 1.0)
        c.send(.client, .ack, at: 1.001)
        c.send(.client, finACK, at: 1.2)
        c.send(.server, .ack, at: 1.201)
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .fin)
        #expect(connection.activeCloser == .responder)
        #expect(connection.responderTimeline.states == [.synReceived, .established, .finWait1, .finWait2, .timeWait])
        #expect(connection.originatorTimeline.states == [.synSent, .established, .closeWait, .lastAck, .closed])
        #expect(connection.closeWait?.side == .originator)
        #expect(connection.zeekConnState == .SF)
        #expect(connection.zeekHistory == "ShADdfFa")
    }

    /// The server's FIN comes second in the file but does not acknowledge the client's FIN: both
    /// sides closed before hearing from the other.
    @Test func simultaneousClose() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, data, at: 0.01, payload: 100)
        c.send(.server, data, at: 0.02, payload: 200)
        c.send(.client, finACK, at: 1.0)
        c.send(.server, finACK, at: 1.0005, ack: c.ackBeforeFIN(of: .client))
        c.send(.client, .ack, at: 1.001)
        c.send(.server, .ack, at: 1.0015)
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .fin)
        #expect(connection.activeCloser == .both)
        #expect(connection.closeWait == nil)
        #expect(connection.originatorTimeline.states == [.synSent, .established, .finWait1, .closing, .timeWait])
        #expect(connection.responderTimeline.states == [.synReceived, .established, .finWait1, .closing, .timeWait])
        let closing = try #require(connection.responderTimeline.transitions.first { $0.to == .closing })
        #expect(closing.event == .receiveFIN)
        #expect(closing.packetNumber == 6)
        #expect(connection.zeekConnState == .SF)
        #expect(connection.zeekHistory == "ShADdFfa")
    }

    @Test func closeWaitHeldThenClosed() throws {
        var c = Conversation()
        c.handshake()
        c.send(.server, finACK, at: 10)
        c.send(.client, .ack, at: 10.001)
        c.send(.client, finACK, at: 107.001)
        c.send(.server, .ack, at: 107.002)
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .fin)
        let closeWait = try #require(connection.closeWait)
        #expect(closeWait.side == .originator)
        #expect(closeWait.seconds == 97)
        #expect(!closeWait.openAtEnd)
        #expect(closeWait.endedBy == .fin)
    }

    @Test func closeWaitOpenAtEnd() throws {
        var c = Conversation()
        c.handshake()
        c.send(.server, finACK, at: 10)
        c.send(.client, .ack, at: 10.001)
        let connection = try #require(c.analyze(endSeconds: 50).first)
        #expect(connection.ended == .closeWait)
        let closeWait = try #require(connection.closeWait)
        #expect(closeWait.side == .originator)
        #expect(closeWait.openAtEnd)
        #expect(closeWait.seconds == 39.999)
        #expect(connection.originatorTimeline.finalState == .closeWait)
        #expect(connection.responderTimeline.finalState == .finWait2)
        #expect(connection.zeekConnState == .S3)
        #expect(connection.zeekHistory == "ShAf")
        #expect(connection.completeness.rawValue == 23)
        #expect(connection.completeness.letters == "·F·ASS")
    }

    /// The holder's FIN itself is its first acknowledgment of the peer's FIN: CLOSE_WAIT counts from
    /// the peer's FIN.
    @Test func closeWaitWithoutSeparateACK() throws {
        var c = Conversation()
        c.handshake()
        c.send(.server, finACK, at: 5)
        c.send(.client, finACK, at: 8)
        c.send(.server, .ack, at: 8.001)
        let closeWait = try #require(c.analyze().first?.closeWait)
        #expect(closeWait.startNanoseconds == Conversation.nanoseconds(5))
        #expect(closeWait.seconds == 3)
    }

    @Test func halfCloseWithDataAfterFIN() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, data, at: 0.01, payload: 100)
        c.send(.client, finACK, at: 1.0)
        c.send(.server, .ack, at: 1.001)
        c.send(.server, data, at: 1.5, payload: 1000)
        c.send(.server, data, at: 2.0, payload: 2000)
        c.send(.client, .ack, at: 2.001)
        c.send(.server, data, at: 3.0, payload: 2000)
        c.send(.server, finACK, at: 3.5)
        c.send(.client, .ack, at: 3.501)
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .fin)
        let halfClose = try #require(connection.halfClose)
        #expect(halfClose.side == .responder)
        #expect(halfClose.bytes == 5000)
        #expect(halfClose.seconds == 2)
        #expect(connection.closeWait?.side == .responder)
        #expect(connection.closeWait?.seconds == 2.499)
        #expect(connection.responderStats.bytes == 5000)
    }

    @Test func retransmittedFIN() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, finACK, at: 1.0)
        c.send(.client, finACK, at: 1.2, sequence: c.ackBeforeFIN(of: .client))
        c.send(.server, .ack, at: 1.201)
        c.send(.server, finACK, at: 1.3)
        c.send(.client, .ack, at: 1.301)
        let connection = try #require(c.analyze().first)
        #expect(connection.originatorStats.finRetransmissions == 1)
        #expect(connection.responderStats.finRetransmissions == 0)
        #expect(connection.originatorStats.finPacketNumber == 4)
        #expect(connection.zeekHistory == "ShAFaf")
        #expect(connection.ended == .fin)
        #expect(connection.originatorTimeline.states == [.synSent, .established, .finWait1, .finWait2, .timeWait])
    }
}
