import TCPDoctorCore

/// The states one endpoint went through, each with the time and packet that caused it.
public struct EndpointTimeline: Hashable, Sendable {
    /// The state before the first transition; nil when the endpoint never showed itself (the
    /// responder of an unanswered SYN: listening, closed, or unreachable, the capture cannot tell).
    public var initialState: TCPState?
    public var transitions: [TimelineTransition]
    /// Transitions left out because the connection had more than the analyzer keeps; the last
    /// transition is always kept so that `finalState` is right.
    public var omittedTransitions: Int

    public init(initialState: TCPState?, transitions: [TimelineTransition], omittedTransitions: Int = 0) {
        self.initialState = initialState
        self.transitions = transitions
        self.omittedTransitions = omittedTransitions
    }

    /// The state after the last transition (the initial state if there was none).
    public var finalState: TCPState? { transitions.last?.to ?? initialState }

    /// The state at `timestampNanoseconds`, from the transitions up to and including that instant.
    public func state(at timestampNanoseconds: Int64) -> TCPState? {
        var state = initialState
        for transition in transitions where transition.timestampNanoseconds <= timestampNanoseconds {
            state = transition.to
        }
        return state
    }
}

/// One step of an endpoint timeline.
///
/// A step with `from == to` records an answer that leaves the state unchanged; the analysis keeps
/// only those that answer with RST (a closed port refusing a SYN, a forgotten connection meeting a
/// late FIN).
public struct TimelineTransition: Hashable, Sendable {
    public var from: TCPState
    public var to: TCPState
    public var event: TCPEvent
    public var timestampNanoseconds: Int64
    /// The packet that caused the step; nil for an inferred step (a timer that fired between
    /// packets).
    public var packetNumber: UInt64?
    /// Whether the step was inferred rather than seen: a timer, or a state the analysis deduced from
    /// a later answer.
    public var inferred: Bool

    public init(
        from: TCPState,
        to: TCPState,
        event: TCPEvent,
        timestampNanoseconds: Int64,
        packetNumber: UInt64?,
        inferred: Bool = false
    ) {
        self.from = from
        self.to = to
        self.event = event
        self.timestampNanoseconds = timestampNanoseconds
        self.packetNumber = packetNumber
        self.inferred = inferred
    }

    /// What the endpoint sent as part of this step, from the state machine.
    public var sends: TCPTransition.Sent? { TCPStateMachine.transition(from: from, on: event)?.sends }
}
