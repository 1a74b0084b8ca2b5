/// One edge of the TCP state machine: in state `from`, event `event` leads to `to`, sending `sends`.
///
/// Self-loops (`from == to`) are kept when the endpoint answers with a segment, because the answer
/// is what a capture shows: a closed port answering a late FIN with RST, TIME_WAIT re-acknowledging
/// a retransmitted FIN.
public struct TCPTransition: Sendable, Hashable {
    /// The segment an endpoint sends as part of a transition.
    public enum Sent: UInt8, Sendable, Hashable, CaseIterable {
        case syn
        case synACK
        case ack
        case fin
        case rst

        /// The flags as a diagram label: `SYN`, `SYN+ACK`, `ACK`, `FIN`, `RST`.
        public var label: String {
            switch self {
            case .syn: "SYN"
            case .synACK: "SYN+ACK"
            case .ack: "ACK"
            case .fin: "FIN"
            case .rst: "RST"
            }
        }
    }

    /// Which part of a connection's life an edge belongs to, so that diagrams can group and colour it.
    public enum Path: UInt8, Sendable, Hashable, CaseIterable {
        /// The three-way handshake, from either side.
        case open
        /// Both sides sent SYN before seeing the other's.
        case simultaneousOpen
        /// The side that sends FIN first: FIN_WAIT1, FIN_WAIT2, TIME_WAIT.
        case activeClose
        /// The side that receives FIN first: CLOSE_WAIT, LAST_ACK.
        case passiveClose
        /// Both sides sent FIN before seeing the other's: CLOSING.
        case simultaneousClose
        /// RST sent or received.
        case reset
        /// A timer fired.
        case timeout
        /// An answer that leaves the state unchanged (RST from a closed port, a re-sent ACK).
        case reply
    }

    public var from: TCPState
    public var event: TCPEvent
    public var to: TCPState
    /// The segment sent as part of the transition, if any.
    public var sends: Sent?
    public var path: Path
    /// A short remark on the edge, such as "simultaneous close" or a Linux difference; empty if none.
    public var note: String
    /// Whether Linux implements this edge; false for RFC-only edges such as SEND in LISTEN.
    public var onLinux: Bool

    public init(
        from: TCPState,
        event: TCPEvent,
        to: TCPState,
        sends: Sent? = nil,
        path: Path,
        note: String = "",
        onLinux: Bool = true
    ) {
        self.from = from
        self.event = event
        self.to = to
        self.sends = sends
        self.path = path
        self.note = note
        self.onLinux = onLinux
    }

    /// Whether the state stays the same.
    public var isSelfLoop: Bool { from == to }

    /// The RFC 9293 figure's edge label: `rcv SYN / snd SYN+ACK`, or the event alone.
    public var label: String {
        guard let sends else { return event.label }
        return "\(event.label) / snd \(sends.label)"
    }
}
