import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// A connection holds its timelines and Zeek history inline; built from parts, it keeps them as
/// the analyzer does.
struct ConnectionTimelinesTests {
    private func closedConnection() throws -> Connection {
        var c = Conversation()
        c.handshake()
        c.send(.client, [.ack, .psh], at: 0.5, payload: 100)
        c.send(.server, [.fin, .ack], at: 1)
        c.send(.client, .ack, at: 1.001)
        c.send(.client, [.fin, .ack], at: 3)
        c.send(.server, .ack, at: 3.001)
        return try #require(c.analyze(endSeconds: 100).first)
    }

    @Test func connectionFromItsPartsEqualsTheAnalyzers() throws {
        let analyzed = try closedConnection()
        #expect(analyzed.responderTimeline.transitions.count >= 5)
        #expect(analyzed.zeekHistory?.hasPrefix("ShA") == true)
        let rebuilt = Connection(
            originator: analyzed.originator,
            responder: analyzed.responder,
            originatorBasis: analyzed.originatorBasis,
            startedMidStream: analyzed.startedMidStream,
            firstTimestampNanoseconds: analyzed.firstTimestampNanoseconds,
            lastTimestampNanoseconds: analyzed.lastTimestampNanoseconds,
            firstPacketNumber: analyzed.firstPacketNumber,
            lastPacketNumber: analyzed.lastPacketNumber,
            originatorStats: analyzed.originatorStats,
            responderStats: analyzed.responderStats,
            originatorTimeline: analyzed.originatorTimeline,
            responderTimeline: analyzed.responderTimeline,
            ended: analyzed.ended,
            activeCloser: analyzed.activeCloser,
            closeWait: analyzed.closeWait,
            halfClose: analyzed.halfClose,
            reset: analyzed.reset,
            lateFIN: analyzed.lateFIN,
            zeekConnState: analyzed.zeekConnState,
            zeekHistory: analyzed.zeekHistory,
            completeness: analyzed.completeness
        )
        #expect(rebuilt == analyzed)
        #expect(rebuilt.hashValue == analyzed.hashValue)
        #expect(rebuilt.timelines.finalState(.responder) == analyzed.responderTimeline.finalState)
        #expect(rebuilt.timelines.finalState(.originator) == analyzed.originatorTimeline.finalState)
        #expect(rebuilt.timelines.finalState(.originator) == .closed)
        var other = analyzed
        other.timelines = ConnectionTimelines(
            originator: analyzed.responderTimeline,
            responder: analyzed.responderTimeline
        )
        #expect(other != analyzed)
    }

    @Test func timelinesBeyondCapacityKeepEachSidesLastStep() {
        var steps: [TimelineTransition] = []
        for index in 0..<20 {
            let last = index == 19
            steps.append(
                TimelineTransition(
                    from: index == 0 ? TCPState.closed : TCPState.established,
                    to: last ? TCPState.closed : TCPState.established,
                    event: last ? TCPEvent.abort : TCPEvent.receiveACK,
                    timestampNanoseconds: Int64(index),
                    packetNumber: UInt64(index + 1)
                )
            )
        }
        let responder = EndpointTimeline(
            initialState: .listen,
            transitions: [
                TimelineTransition(
                    from: .listen,
                    to: .synReceived,
                    event: .receiveSYN,
                    timestampNanoseconds: 0,
                    packetNumber: 1
                )
            ],
            omittedTransitions: 2
        )
        let timelines = ConnectionTimelines(
            originator: EndpointTimeline(initialState: .closed, transitions: steps),
            responder: responder
        )
        let originator = timelines.timeline(.originator)
        // Full before the responder's turn: the originator's oldest step makes room for it.
        #expect(originator.transitions.count == ConnectionTimelines.capacity - 1)
        #expect(originator.omittedTransitions == 20 - ConnectionTimelines.capacity + 1)
        #expect(originator.finalState == .closed)
        #expect(originator.transitions.last?.packetNumber == 20)
        #expect(originator.transitions.first == steps[1])
        #expect(timelines.timeline(.responder).transitions == responder.transitions)
        #expect(timelines.timeline(.responder).omittedTransitions == 2)
        #expect(timelines.finalState(.responder) == .synReceived)
    }

    @Test func zeekHistoryFromLettersKeepsTheFirstCapacity() {
        let long = String(repeating: "ShAD", count: 10)
        let history = ZeekHistory(letters: long.utf8)
        #expect(history.string == String(long.prefix(ZeekHistory.capacity)))
        #expect(history == ZeekHistory(letters: long.utf8.prefix(ZeekHistory.capacity)))
        #expect(history != ZeekHistory(letters: "ShAd".utf8))
        #expect(Connection.zeekHistoryCapacity == ZeekHistory.capacity)
    }
}
