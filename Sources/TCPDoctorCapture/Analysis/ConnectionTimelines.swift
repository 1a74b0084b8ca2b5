import TCPDoctorCore

/// Both endpoints' state timelines of one connection, held inline in the value.
///
/// The analyzer keeps at most `capacity` transitions per connection (see `omittedTransitions`), so
/// they fit in the `Connection` value itself: handing out a connection allocates nothing, and a
/// consumer that only counts verdicts never pays for timelines it does not read. Two arrays per
/// connection, built whether read or not, with their reference counting and freeing, were about
/// an eighth of the analysis of a capture of short connections. `EndpointTimeline` values are built
/// when asked for.
public struct ConnectionTimelines: Hashable, Sendable {
    /// The most transitions kept for both endpoints together; past it, the last transition of each
    /// endpoint is still kept (so its final state stays right) and the others are counted as
    /// omitted (see `TimelineBuffer`).
    public static var capacity: Int { TimelineBuffer.capacity }

    var buffer: TimelineBuffer
    var originatorInitialState: TCPState?
    var responderInitialState: TCPState?

    @inline(__always)
    init(buffer: TimelineBuffer, originatorInitialState: TCPState?, responderInitialState: TCPState?) {
        self.buffer = buffer
        self.originatorInitialState = originatorInitialState
        self.responderInitialState = responderInitialState
    }

    /// Timelines from their parts, kept as the analyzer keeps them: beyond `capacity` transitions
    /// in all, older ones are dropped and counted as omitted, never an endpoint's last.
    public init(originator: EndpointTimeline, responder: EndpointTimeline) {
        var buffer = TimelineBuffer()
        for (side, timeline) in [originator, responder].enumerated() {
            for transition in timeline.transitions {
                buffer.append(
                    TimelineBuffer.Entry(
                        timestamp: transition.timestampNanoseconds,
                        packetNumber: transition.packetNumber ?? 0,
                        from: transition.from,
                        to: transition.to,
                        event: transition.event,
                        flags: UInt8(side) | (transition.inferred ? 2 : 0)
                    )
                )
            }
            buffer.countOmitted(timeline.omittedTransitions, responder: side == 1)
        }
        self.init(
            buffer: buffer,
            originatorInitialState: originator.initialState,
            responderInitialState: responder.initialState
        )
    }

    /// The timeline of one endpoint, built as a value.
    public func timeline(_ role: Connection.Role) -> EndpointTimeline {
        let responder = role == .responder
        return EndpointTimeline(
            initialState: responder ? responderInitialState : originatorInitialState,
            transitions: buffer.transitions(responder: responder),
            omittedTransitions: Int(responder ? buffer.omittedResponder : buffer.omittedOriginator)
        )
    }

    /// The state one endpoint ended in, without building its timeline.
    public func finalState(_ role: Connection.Role) -> TCPState? {
        let responder = role == .responder
        guard let last = buffer.lastIndex(responder: responder) else {
            return responder ? responderInitialState : originatorInitialState
        }
        return buffer[last].to
    }
}
