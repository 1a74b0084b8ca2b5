import Testing

@testable import TCPDoctorCore

/// One expected edge, written out independently of the table so that an edit to the table must be
/// matched here.
struct ExpectedEdge: CustomTestStringConvertible, Sendable {
    var from: TCPState
    var event: TCPEvent
    var to: TCPState
    var sends: TCPTransition.Sent?

    init(_ from: TCPState, _ event: TCPEvent, _ to: TCPState, _ sends: TCPTransition.Sent? = nil) {
        self.from = from
        self.event = event
        self.to = to
        self.sends = sends
    }

    var testDescription: String { "\(from.netstatName) --\(event.label)--> \(to.netstatName)" }
}

let expectedEdges: [ExpectedEdge] = [
    .init(.closed, .passiveOpen, .listen),
    .init(.closed, .activeOpen, .synSent, .syn),
    .init(.closed, .receiveSYN, .closed, .rst),
    .init(.closed, .receiveSYNACK, .closed, .rst),
    .init(.closed, .receiveACK, .closed, .rst),
    .init(.closed, .receiveFIN, .closed, .rst),
    .init(.closed, .receiveFINACKOfFIN, .closed, .rst),
    .init(.listen, .receiveSYN, .synReceived, .synACK),
    .init(.listen, .send, .synSent, .syn),
    .init(.listen, .close, .closed),
    .init(.listen, .abort, .closed),
    .init(.listen, .receiveSYNACK, .listen, .rst),
    .init(.listen, .receiveACK, .listen, .rst),
    .init(.listen, .receiveFIN, .listen, .rst),
    .init(.synSent, .receiveSYNACK, .established, .ack),
    .init(.synSent, .receiveSYN, .synReceived, .synACK),
    .init(.synSent, .receiveRST, .closed),
    .init(.synSent, .close, .closed),
    .init(.synSent, .abort, .closed),
    .init(.synSent, .handshakeTimeout, .closed),
    .init(.synReceived, .receiveACKOfSYN, .established),
    .init(.synReceived, .receiveSYNACK, .established, .ack),
    .init(.synReceived, .receiveSYN, .synReceived, .synACK),
    .init(.synReceived, .close, .finWait1, .fin),
    .init(.synReceived, .abort, .closed, .rst),
    .init(.synReceived, .receiveRST, .listen),
    .init(.synReceived, .receiveFIN, .closeWait, .ack),
    .init(.synReceived, .handshakeTimeout, .closed),
    .init(.established, .close, .finWait1, .fin),
    .init(.established, .receiveFIN, .closeWait, .ack),
    .init(.established, .abort, .closed, .rst),
    .init(.established, .receiveRST, .closed),
    .init(.established, .receiveSYN, .established, .ack),
    .init(.established, .receiveSYNACK, .established, .ack),
    .init(.finWait1, .receiveACKOfFIN, .finWait2),
    .init(.finWait1, .receiveFIN, .closing, .ack),
    .init(.finWait1, .receiveFINACKOfFIN, .timeWait, .ack),
    .init(.finWait1, .abort, .closed, .rst),
    .init(.finWait1, .receiveRST, .closed),
    .init(.finWait1, .receiveSYN, .finWait1, .ack),
    .init(.finWait2, .receiveFIN, .timeWait, .ack),
    .init(.finWait2, .receiveFINACKOfFIN, .timeWait, .ack),
    .init(.finWait2, .finWait2Timeout, .closed),
    .init(.finWait2, .abort, .closed, .rst),
    .init(.finWait2, .receiveRST, .closed),
    .init(.finWait2, .receiveSYN, .finWait2, .ack),
    .init(.closeWait, .close, .lastAck, .fin),
    .init(.closeWait, .abort, .closed, .rst),
    .init(.closeWait, .receiveRST, .closed),
    .init(.closeWait, .receiveFIN, .closeWait, .ack),
    .init(.closeWait, .receiveSYN, .closeWait, .ack),
    .init(.closing, .receiveACKOfFIN, .timeWait),
    .init(.closing, .receiveFINACKOfFIN, .timeWait, .ack),
    .init(.closing, .receiveFIN, .closing, .ack),
    .init(.closing, .abort, .closed),
    .init(.closing, .receiveRST, .closed),
    .init(.closing, .receiveSYN, .closing, .ack),
    .init(.lastAck, .receiveACKOfFIN, .closed),
    .init(.lastAck, .receiveFINACKOfFIN, .closed),
    .init(.lastAck, .receiveFIN, .lastAck, .ack),
    .init(.lastAck, .abort, .closed),
    .init(.lastAck, .receiveRST, .closed),
    .init(.lastAck, .receiveSYN, .lastAck, .ack),
    .init(.timeWait, .timeWaitTimeout, .closed),
    .init(.timeWait, .receiveFIN, .timeWait, .ack),
    .init(.timeWait, .receiveFINACKOfFIN, .timeWait, .ack),
    .init(.timeWait, .abort, .closed),
    .init(.timeWait, .receiveRST, .closed),
    .init(.timeWait, .receiveSYN, .timeWait, .ack),
]

struct TCPStateMachineTests {
    @Test(arguments: expectedEdges)
    func everyTransition(edge: ExpectedEdge) throws {
        let transition = try #require(TCPStateMachine.transition(from: edge.from, on: edge.event))
        #expect(transition.from == edge.from)
        #expect(transition.event == edge.event)
        #expect(transition.to == edge.to)
        #expect(transition.sends == edge.sends)
    }

    @Test func tableHoldsExactlyTheExpectedEdges() {
        #expect(TCPStateMachine.transitions.count == expectedEdges.count)
        var seen = Set<String>()
        for edge in TCPStateMachine.transitions {
            let key = "\(edge.from.rawValue)/\(edge.event.rawValue)"
            #expect(!seen.contains(key), "duplicate edge \(edge.from.netstatName) \(edge.event.label)")
            seen.insert(key)
        }
    }

    /// Every (state, event) pair absent from the expected list has no edge: errors and ignored events.
    @Test(arguments: TCPStateMachine.states)
    func invalidEventsReturnNil(state: TCPState) {
        let valid = Set(expectedEdges.filter { $0.from == state }.map(\.event))
        for event in TCPEvent.allCases where !valid.contains(event) {
            #expect(TCPStateMachine.transition(from: state, on: event) == nil, "\(state.netstatName) \(event.label)")
        }
    }

    @Test func errorsAndIgnoredEventsAreNil() {
        #expect(TCPStateMachine.transition(from: .closed, on: .close) == nil)
        #expect(TCPStateMachine.transition(from: .closed, on: .receiveRST) == nil)
        #expect(TCPStateMachine.transition(from: .listen, on: .receiveRST) == nil)
        #expect(TCPStateMachine.transition(from: .established, on: .activeOpen) == nil)
        #expect(TCPStateMachine.transition(from: .finWait2, on: .close) == nil)
        #expect(TCPStateMachine.transition(from: .established, on: .timeWaitTimeout) == nil)
        #expect(TCPStateMachine.transition(from: .closeWait, on: .receiveACKOfFIN) == nil)
    }

    /// A RST ends every state that holds a connection; where no connection exists it is discarded.
    @Test(arguments: TCPStateMachine.states)
    func resetInEachState(state: TCPState) {
        let transition = TCPStateMachine.transition(from: state, on: .receiveRST)
        switch state {
        case .closed, .listen:
            #expect(transition == nil)
        case .synReceived:
            #expect(transition?.to == .listen)
        default:
            #expect(transition?.to == .closed)
            #expect(transition?.sends == nil)
        }
    }

    /// RFC 9293 ABORT sends RST only where the peer still expects data from us.
    @Test(arguments: TCPStateMachine.states)
    func abortInEachState(state: TCPState) {
        let transition = TCPStateMachine.transition(from: state, on: .abort)
        switch state {
        case .closed:
            #expect(transition == nil)
        case .synReceived, .established, .finWait1, .finWait2, .closeWait:
            #expect(transition?.to == .closed)
            #expect(transition?.sends == .rst)
        default:
            #expect(transition?.to == .closed)
            #expect(transition?.sends == nil)
        }
    }

    private func walk(_ start: TCPState, _ events: [TCPEvent]) -> [TCPState] {
        var state = start
        var states: [TCPState] = []
        for event in events {
            guard let transition = TCPStateMachine.transition(from: state, on: event) else { return states }
            state = transition.to
            states.append(state)
        }
        return states
    }

    @Test func activeCloserPath() {
        let states = walk(
            .closed,
            [.activeOpen, .receiveSYNACK, .close, .receiveACKOfFIN, .receiveFIN, .timeWaitTimeout]
        )
        #expect(states == [.synSent, .established, .finWait1, .finWait2, .timeWait, .closed])
    }

    @Test func passiveCloserPath() {
        let states = walk(
            .closed,
            [.passiveOpen, .receiveSYN, .receiveACKOfSYN, .receiveFIN, .close, .receiveACKOfFIN]
        )
        #expect(states == [.listen, .synReceived, .established, .closeWait, .lastAck, .closed])
    }

    @Test func simultaneousOpen() {
        let states = walk(.closed, [.activeOpen, .receiveSYN, .receiveSYNACK])
        #expect(states == [.synSent, .synReceived, .established])
        #expect(TCPStateMachine.transition(from: .synSent, on: .receiveSYN)?.path == .simultaneousOpen)
    }

    @Test func simultaneousClose() {
        let states = walk(.established, [.close, .receiveFIN, .receiveACKOfFIN, .timeWaitTimeout])
        #expect(states == [.finWait1, .closing, .timeWait, .closed])
        #expect(TCPStateMachine.transition(from: .finWait1, on: .receiveFIN)?.path == .simultaneousClose)
    }

    @Test func finWait1StraightToTimeWaitOnFINACK() {
        #expect(walk(.finWait1, [.receiveFINACKOfFIN]) == [.timeWait])
    }

    @Test func newSynReceivedBehavesAsSynReceived() {
        #expect(TCPStateMachine.transition(from: .newSynReceived, on: .receiveACKOfSYN)?.to == .established)
        #expect(TCPStateMachine.transitions(from: .newSynReceived) == TCPStateMachine.transitions(from: .synReceived))
    }

    @Test func linuxTimers() {
        #expect(TCPStateMachine.timeWaitDuration == .seconds(60))
        #expect(TCPStateMachine.defaultFinTimeout == .seconds(60))
        #expect(TCPStateMachine.transitions.filter { !$0.onLinux }.map(\.event) == [.send])
    }

    @Test func namesOfStates() {
        #expect(TCPState.closeWait.rfcName == "CLOSE-WAIT")
        #expect(TCPState.synReceived.kernelName == "TCP_SYN_RECV")
        #expect(TCPState.closed.kernelName == "TCP_CLOSE")
        #expect(TCPStateMachine.states.count == 11)
        #expect(Set(TCPStateMachine.states.map(\.rfcName)).count == 11)
    }

    @Test func everyStateIsReachableFromClosed() {
        var reached: Set<TCPState> = [.closed]
        var frontier: [TCPState] = [.closed]
        while let state = frontier.popLast() {
            for edge in TCPStateMachine.transitions(from: state) where !reached.contains(edge.to) {
                reached.insert(edge.to)
                frontier.append(edge.to)
            }
        }
        #expect(reached == Set(TCPStateMachine.states))
    }

    @Test func labels() {
        #expect(TCPStateMachine.transition(from: .listen, on: .receiveSYN)?.label == "rcv SYN / snd SYN+ACK")
        #expect(TCPStateMachine.transition(from: .finWait1, on: .receiveACKOfFIN)?.label == "rcv ACK of FIN")
        #expect(Set(TCPEvent.allCases.map(\.identifier)).count == TCPEvent.allCases.count)
    }
}
