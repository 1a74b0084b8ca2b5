import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// The shortcuts of the per-packet and per-connection paths give what the plain ones give.
struct AnalysisFastPathTests {
    private static let finACK: TCPFlags = [.fin, .ack]

    /// Connections of several endings over 300 client ports, many ending within one second so that
    /// one sweep has more than its batch of 64 to hand out, and a port reused at once.
    static func segments() -> [TCPSegment] {
        var all: [TCPSegment] = []
        for index in 0..<300 {
            let start = Double(index % 150) * 0.005 + (index < 150 ? 0 : 200)
            var c = Conversation(
                client: Endpoint(address: IPAddress("10.0.\(index % 7).5")!, port: UInt16(40_000 + index % 280)),
                server: Endpoint(address: IPAddress("10.0.0.9")!, port: index % 3 == 0 ? 80 : 8080)
            )
            switch index % 4 {
            case 0:
                c.send(.client, .syn, at: start)
                c.send(.server, [.rst, .ack], at: start + 0.001, sequence: 0)
            case 1:
                c.handshake(at: start)
                c.send(.server, Self.finACK, at: start + 0.01)
                c.send(.client, .ack, at: start + 0.011)
            default:
                c.handshake(at: start)
                c.send(.client, [.ack, .psh], at: start + 0.01, payload: 100)
                c.send(.client, Self.finACK, at: start + 0.02)
                c.send(.server, Self.finACK, at: start + 0.021)
                c.send(.client, .ack, at: start + 0.022)
            }
            all += c.segments
        }
        all.sort { $0.timestampNanoseconds < $1.timestampNanoseconds }
        for index in all.indices { all[index].packetNumber = UInt64(index + 1) }
        // A late segment moves the clock past every linger.
        var late = Conversation(client: Endpoint(address: IPAddress("10.0.9.9")!, port: 50_000))
        late.send(.client, .syn, at: 400)
        late.packetNumber = UInt64(all.count + 1)
        return all + late.segments
    }

    @Test func handingOutThroughAClosureKeepsTheOrderOfTheList() {
        var listed = ConnectionAnalyzer(hashSeed: 9)
        var direct = ConnectionAnalyzer(hashSeed: 9)
        var fromList: [Connection] = []
        var fromClosure: [Connection] = []
        for segment in Self.segments() {
            listed.process(segment)
            fromList += listed.takeFinished()
            direct.process(segment) { fromClosure.append($0) }
        }
        // The first 150 ended long before the late segment; the rest wait for batches of 64.
        #expect(fromList.count >= 150)
        #expect(fromClosure == fromList)
        #expect(direct.openConnections == listed.openConnections)
        listed.finish(atEndNanoseconds: Conversation.nanoseconds(400))
        fromList += listed.takeFinished()
        direct.finish(atEndNanoseconds: Conversation.nanoseconds(400)) { fromClosure.append($0) }
        #expect(fromList.count > 290)
        #expect(fromClosure == fromList)
    }

    @Test func withoutZeekColumnsOnlyTheZeekColumnsAreMissing() {
        // The Zeek cases' steps too: resets, zero windows and retransmissions, which Zeek's
        // letters follow and the rest of the analysis must not depend on.
        var all = Self.segments()
        for (index, zeekCase) in ZeekCompatibilityTests.cases.enumerated() {
            var c = Conversation(client: Endpoint(address: IPAddress("10.2.0.\(index)")!, port: 41_000))
            for (step, move) in zeekCase.steps.enumerated() {
                c.send(
                    move.client ? .client : .server,
                    move.flags,
                    at: 500 + Double(step) * 0.01,
                    payload: move.payload,
                    window: move.window
                )
            }
            all += c.segments
        }
        for index in all.indices { all[index].packetNumber = UInt64(index + 1) }
        var with = ConnectionAnalyzer(hashSeed: 5)
        var without = ConnectionAnalyzer(configuration: .init(zeekColumns: false), hashSeed: 5)
        var withZeek: [Connection] = []
        var withoutZeek: [Connection] = []
        for segment in all {
            with.process(segment) { withZeek.append($0) }
            without.process(segment) { withoutZeek.append($0) }
        }
        with.finish(atEndNanoseconds: Conversation.nanoseconds(600)) { withZeek.append($0) }
        without.finish(atEndNanoseconds: Conversation.nanoseconds(600)) { withoutZeek.append($0) }

        #expect(withZeek.count > 300)
        #expect(withZeek.allSatisfy { $0.zeekConnState != nil && $0.zeekHistory?.isEmpty == false })
        #expect(withoutZeek.allSatisfy { $0.zeekConnState == nil && $0.zeekHistory == nil })
        let stripped = withZeek.map { connection in
            var copy = connection
            copy.zeekConnState = nil
            copy.history = nil
            return copy
        }
        #expect(stripped == withoutZeek)
        // Several of Zeek's states occurred, so the comparison covered more than one path.
        #expect(Set(withZeek.compactMap(\.zeekConnState)).count >= 5)
    }

    @Test func stateEdgesAgreeWithTheStateMachine() {
        for state in TCPState.allCases {
            for event in TCPEvent.allCases {
                #expect(
                    StateEdges.target(from: state, on: event) == TCPStateMachine.transition(from: state, on: event)?.to
                )
            }
        }
    }

    @Test func timeWaitConstantIsTheStateMachines() {
        #expect(ConnectionTracker.timeWaitNanoseconds == TCPStateMachine.timeWaitDuration.nanoseconds)
    }

    @Test func zeekHistoryStringHasEveryLetter() {
        var history = ZeekHistory()
        for letter in "ShADadFfTtRrWwIiQq".utf8 { history.add(letter & ~0x20, originator: letter < 0x60) }
        #expect(history.string == "ShADadFfTtRrWwIiQq")
        for _ in 0..<40 { history.add(UInt8(ascii: "D"), originator: true) }
        #expect(history.string.count == ZeekHistory.capacity)
    }
}
