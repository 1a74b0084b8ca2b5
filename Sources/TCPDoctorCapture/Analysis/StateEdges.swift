import TCPDoctorCore

/// The target state of every transition of `TCPStateMachine`, as a flat table for the per-packet
/// path.
///
/// `TCPStateMachine.transition(from:on:)` hands back the whole `TCPTransition` from another
/// module, a struct with a string in it: a copy with reference counting on each call, a few times
/// per packet. The analysis needs only where the step leads; the table is built from the state
/// machine itself, so the two cannot disagree.
enum StateEdges {
    /// Room for each state's events: a literal, where `TCPEvent.allCases.count` would be computed
    /// lazily and checked on every use. Events past it, if ever added, go to the state machine.
    private static let eventStride = 32

    /// By `state.rawValue * eventStride + event.rawValue`: the target state, or nil.
    private static let targets: [TCPState?] = {
        let stateSlots = TCPState.rawValueSlots
        var table = [TCPState?](repeating: nil, count: stateSlots * eventStride)
        for state in TCPState.allCases {
            for event in TCPEvent.allCases where Int(event.rawValue) < eventStride {
                if let edge = TCPStateMachine.transition(from: state, on: event) {
                    table[Int(state.rawValue) * eventStride + Int(event.rawValue)] = edge.to
                }
            }
        }
        return table
    }()

    /// Where `event` takes `state`, or nil when the state machine has no such transition.
    @inline(__always)
    static func target(from state: TCPState, on event: TCPEvent) -> TCPState? {
        guard Int(event.rawValue) < eventStride else { return TCPStateMachine.transition(from: state, on: event)?.to }
        return targets[Int(state.rawValue) &* eventStride &+ Int(event.rawValue)]
    }
}
