/// The RFC 9293 TCP state machine as data: every transition, what it sends, and Linux's timers.
///
/// One model serves two purposes: `tcpdoctor explain` draws it, and the capture analysis replays
/// each endpoint of a captured connection through it. A missing edge (`transition(from:on:)`
/// returning nil) means the event neither changes the state nor makes the endpoint answer: RFC 9293
/// either ignores it (a RST in LISTEN), queues it (data before the handshake completes) or reports an
/// error to the caller (CLOSE on a closing connection).
public enum TCPStateMachine {
    /// The eleven states of RFC 9293, in the order of its Figure 5 (no `newSynReceived`, which is a
    /// Linux request socket that reports itself as SYN_RECV).
    public static let states: [TCPState] = [
        .closed, .listen, .synSent, .synReceived, .established, .finWait1, .finWait2, .closeWait,
        .closing, .lastAck, .timeWait,
    ]

    /// How long Linux keeps TIME_WAIT: `TCP_TIMEWAIT_LEN`, 60 s, fixed at compile time.
    ///
    /// RFC 9293 says 2 MSL; Linux ignores `tcp_fin_timeout` here, whatever folklore says.
    public static let timeWaitDuration: Duration = .seconds(60)

    /// The default of Linux's `net.ipv4.tcp_fin_timeout` (`TCP_FIN_TIMEOUT`): how long an orphaned
    /// FIN_WAIT2 socket waits for the peer's FIN.
    public static let defaultFinTimeout: Duration = .seconds(60)

    /// The transition that `event` causes in `state`, or nil when the event changes nothing.
    ///
    /// `newSynReceived` behaves as `synReceived`.
    public static func transition(from state: TCPState, on event: TCPEvent) -> TCPTransition? {
        let index = lookup[Int(normalized(state).rawValue) &* eventCount &+ Int(event.rawValue)]
        return index < 0 ? nil : transitions[Int(index)]
    }

    /// Every transition out of `state`, in table order.
    public static func transitions(from state: TCPState) -> [TCPTransition] {
        let state = normalized(state)
        return transitions.filter { $0.from == state }
    }

    private static func normalized(_ state: TCPState) -> TCPState {
        state == .newSynReceived ? .synReceived : state
    }

    private static let eventCount = TCPEvent.allCases.count

    /// Index into `transitions` by `state.rawValue * eventCount + event.rawValue`; -1 for no edge.
    ///
    /// The capture analysis asks once per state-changing segment; a flat array keeps that a load.
    private static let lookup: [Int16] = {
        let stateSlots = TCPState.rawValueSlots
        var table = [Int16](repeating: -1, count: stateSlots * eventCount)
        for (index, edge) in transitions.enumerated() {
            table[Int(edge.from.rawValue) * eventCount + Int(edge.event.rawValue)] = Int16(index)
        }
        return table
    }()
}
