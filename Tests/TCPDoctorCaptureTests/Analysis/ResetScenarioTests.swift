import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// Closes that involve RST: aborts from each side and state, RST after both FINs, late FIN.
struct ResetScenarioTests {
    private let finACK: TCPFlags = [.fin, .ack]
    private let data: TCPFlags = [.ack, .psh]

    @Test func resetAfterBothFINs() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, finACK, at: 1.0)
        c.send(.server, finACK, at: 1.001)
        c.send(.client, .rst, at: 1.002)
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .finReset)
        let reset = try #require(connection.reset)
        #expect(reset.side == .originator)
        #expect(reset.afterBothFINs)
        #expect(reset.senderState == .timeWait)
        #expect(reset.receiverState == .lastAck)
        #expect(reset.isAbort)
        #expect(connection.lateFIN == nil)
        #expect(connection.originatorTimeline.states == [.synSent, .established, .finWait1, .timeWait, .closed])
        #expect(connection.responderTimeline.states == [.synReceived, .established, .closeWait, .lastAck, .closed])
        #expect(connection.zeekConnState == .SF)
        #expect(connection.zeekHistory == "ShAFfR")
        #expect(connection.completeness.rawValue == 55)
    }

    /// The server closes an idle connection; the client holds CLOSE_WAIT for 70 s; the server's
    /// orphaned FIN_WAIT2 expired after 60 s, so the client's late FIN meets RST.
    @Test func lateFINAnsweredByReset() throws {
        var c = Conversation()
        c.handshake()
        c.send(.server, finACK, at: 1.0)
        c.send(.client, .ack, at: 1.001)
        c.send(.client, finACK, at: 71.0)
        c.send(.server, .rst, at: 71.0002)
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .lateFINReset)
        let late = try #require(connection.lateFIN)
        #expect(late.side == .originator)
        #expect(late.forgottenIn == .finWait2)
        #expect(late.gapNanoseconds == Conversation.nanoseconds(69.999))
        #expect(late.exceedsLinuxLimit)
        let closeWait = try #require(connection.closeWait)
        #expect(closeWait.side == .originator)
        #expect(closeWait.seconds == 69.999)
        #expect(closeWait.endedBy == .fin)

        let server = connection.responderTimeline.transitions
        #expect(server.map(\.to) == [.synReceived, .established, .finWait1, .finWait2, .closed, .closed])
        let timeout = server[4]
        #expect(timeout.event == .finWait2Timeout)
        #expect(timeout.inferred)
        #expect(timeout.packetNumber == nil)
        #expect(timeout.timestampNanoseconds == Conversation.nanoseconds(61.001))
        let answer = server[5]
        #expect(answer.from == .closed && answer.event == .receiveFINACKOfFIN)
        #expect(answer.sends == .rst)
        #expect(answer.packetNumber == 6)
        #expect(connection.originatorTimeline.states == [.synSent, .established, .closeWait, .lastAck, .closed])

        let reset = try #require(connection.reset)
        #expect(reset.side == .responder)
        #expect(reset.senderState == .closed)
        #expect(reset.answered == .receiveFINACKOfFIN)
        #expect(reset.afterBothFINs)
        #expect(connection.zeekConnState == .SF)
        #expect(connection.zeekHistory == "ShAfFr")
    }

    /// With a short `tcp_fin_timeout` the gap is under Linux's default, and the inferred timeout is
    /// placed at the late FIN.
    @Test func lateFINWithinDefaultTimeout() throws {
        var c = Conversation()
        c.handshake()
        c.send(.server, finACK, at: 1.0)
        c.send(.client, .ack, at: 1.001)
        c.send(.client, finACK, at: 11.0)
        c.send(.server, .rst, at: 11.0002)
        let connection = try #require(c.analyze().first)
        let late = try #require(connection.lateFIN)
        #expect(!late.exceedsLinuxLimit)
        #expect(late.gapSeconds == 9.999)
        #expect(connection.responderTimeline.transitions[4].timestampNanoseconds == Conversation.nanoseconds(11))
    }

    /// The active closer's TIME_WAIT ended (60 s) before the peer sent its FIN again. The default
    /// linger (60 s) would hand the connection out before the FIN comes back, so it is raised.
    @Test func finRetransmittedAfterTimeWaitMeetsReset() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, finACK, at: 1.0)
        c.send(.server, finACK, at: 1.001)
        let serverFIN = c.ackBeforeFIN(of: .server)
        c.send(.server, finACK, at: 70.0, sequence: serverFIN)
        c.send(.client, .rst, at: 70.0001)
        let connections = c.analyze(configuration: .init(linger: .seconds(120)))
        #expect(connections.count == 1)
        let connection = try #require(connections.first)
        #expect(connection.ended == .lateFINReset)
        let late = try #require(connection.lateFIN)
        #expect(late.side == .responder)
        #expect(late.forgottenIn == .timeWait)
        #expect(late.gapSeconds == 68.999)
        #expect(
            connection.originatorTimeline.states == [.synSent, .established, .finWait1, .timeWait, .closed, .closed]
        )
        #expect(connection.originatorTimeline.transitions[4].event == .timeWaitTimeout)
        #expect(connection.originatorTimeline.transitions[4].timestampNanoseconds == Conversation.nanoseconds(61.001))
        #expect(connection.responderStats.finRetransmissions == 1)
    }

    enum Abort: String, CaseIterable, Sendable {
        case originatorEstablished, responderEstablished, originatorCloseWait, responderCloseWait
        case originatorFinWait1, responderFinWait2, responderSynReceived
    }

    @Test(arguments: Abort.allCases)
    func abortiveReset(abort: Abort) throws {
        var c = Conversation()
        let expectedSide: Connection.Role
        let expectedState: TCPState
        let expectedZeek: ZeekConnState
        if abort == .responderSynReceived {
            c.send(.client, .syn, at: 0)
            c.send(.server, [.syn, .ack], at: 0.001)
        } else {
            c.handshake()
            c.send(.client, data, at: 0.01, payload: 10)
        }
        switch abort {
        case .originatorEstablished:
            c.send(.client, [.rst, .ack], at: 1)
            (expectedSide, expectedState, expectedZeek) = (.originator, .established, .RSTO)
        case .responderEstablished:
            c.send(.server, [.rst, .ack], at: 1)
            (expectedSide, expectedState, expectedZeek) = (.responder, .established, .RSTR)
        case .originatorCloseWait:
            c.send(.server, finACK, at: 0.5)
            c.send(.client, .ack, at: 0.501)
            c.send(.client, [.rst, .ack], at: 1)
            (expectedSide, expectedState, expectedZeek) = (.originator, .closeWait, .RSTO)
        case .responderCloseWait:
            c.send(.client, finACK, at: 0.5)
            c.send(.server, .ack, at: 0.501)
            c.send(.server, [.rst, .ack], at: 1)
            (expectedSide, expectedState, expectedZeek) = (.responder, .closeWait, .RSTR)
        case .originatorFinWait1:
            c.send(.client, finACK, at: 0.5)
            c.send(.client, [.rst, .ack], at: 1)
            // The peer never sent FIN, so Zeek moves the closed originator on to reset.
            (expectedSide, expectedState, expectedZeek) = (.originator, .finWait1, .RSTO)
        case .responderFinWait2:
            c.send(.server, finACK, at: 0.5)
            c.send(.client, .ack, at: 0.501)
            c.send(.client, data, at: 0.8, payload: 100)
            c.send(.server, .rst, at: 1)
            (expectedSide, expectedState, expectedZeek) = (.responder, .finWait2, .RSTR)
        case .responderSynReceived:
            c.send(.server, .rst, at: 1)
            // Zeek takes the SYN+ACK as establishing both sides: a reset, not a rejection.
            (expectedSide, expectedState, expectedZeek) = (.responder, .synReceived, .RSTR)
        }
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .reset)
        let reset = try #require(connection.reset)
        #expect(reset.side == expectedSide)
        #expect(reset.senderState == expectedState)
        #expect(reset.isAbort)
        #expect(!reset.afterBothFINs)
        #expect(reset.timestampNanoseconds == Conversation.nanoseconds(1))
        #expect(connection.zeekConnState == expectedZeek)
        #expect(connection.completeness.contains(.rst))
        let sender = connection.timeline(expectedSide).transitions.last
        #expect(sender?.from == expectedState)
        #expect(sender?.to == .closed)
        #expect(sender?.event == .abort)
        #expect(sender?.sends == (expectedState == .synReceived || expectedState.isSynchronized ? .rst : nil))
        let receiverFinal = connection.timeline(expectedSide.peer).finalState
        #expect(receiverFinal == .closed)
        if abort == .originatorCloseWait {
            #expect(connection.closeWait?.endedBy == .reset)
            #expect(connection.closeWait?.seconds == 0.499)
        }
        if abort == .responderFinWait2 {
            #expect(connection.halfClose?.side == .originator)
            #expect(connection.halfClose?.bytes == 100)
        }
    }

    @Test func originatorResetBeforeAnyAnswer() throws {
        var c = Conversation()
        c.send(.client, .syn, at: 0)
        c.send(.client, .rst, at: 0.5)
        let connection = try #require(c.analyze().first)
        #expect(connection.ended == .noAnswer)
        #expect(connection.zeekConnState == .RSTOS0)
        #expect(connection.zeekHistory == "SR")
        #expect(connection.originatorTimeline.states == [.synSent, .closed])
    }
}
