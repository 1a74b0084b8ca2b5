extension Connection {
    /// How a connection ended, as one word for tables and the `"ended"` key of the JSON output.
    ///
    /// Checked in this order, the first that applies wins:
    ///
    /// - `rejected`: the responder answered the SYN with RST (no listener: ECONNREFUSED).
    /// - `no_answer`: the originator sent SYN and the responder sent nothing at all.
    /// - `late_fin_reset`: one side closed first and forgot the connection (orphaned FIN_WAIT2
    ///   expired, or TIME_WAIT ended); the other side's late FIN was answered with RST.
    /// - `fin_reset`: both sides sent FIN, then a RST came (for example data arriving after
    ///   `close()`, or an application that closes with unread data).
    /// - `reset`: a RST ended the connection before both FINs: an abortive close (see `reset`).
    /// - `fin`: both sides sent FIN and no RST followed: an orderly close, simultaneous or not.
    /// - `close_wait`: one side sent FIN and the other had not closed by the end of the capture:
    ///   it was still in CLOSE_WAIT (see `closeWait`).
    /// - `handshake`: the handshake had begun (SYN+ACK seen) but not completed by the end of the
    ///   capture.
    /// - `open`: established (or seen mid-stream) and neither FIN nor RST by the end of the capture.
    public enum Ending: String, Sendable, Hashable, CaseIterable {
        case rejected
        case noAnswer = "no_answer"
        case lateFINReset = "late_fin_reset"
        case finReset = "fin_reset"
        case reset
        case fin
        case closeWait = "close_wait"
        case handshake
        case open
    }
}

/// Zeek's `conn_state` values, computed with Zeek's rules from Zeek-style endpoint states.
///
/// Zeek tracks each endpoint by what it sent (inactive, SYN sent, SYN+ACK sent, partial,
/// established, closed after its FIN, reset after its RST) and derives the state from the pair
/// with the rules of its `conn_state` function. As in Zeek, the responder's SYN+ACK establishes
/// both sides, and a RST from an endpoint that sent FIN after its peer did too changes nothing, so
/// a RST after both FINs is `SF`; a RST after a FIN the peer did not answer is a reset (`RSTO`,
/// `RSTR`).
public enum ZeekConnState: String, Sendable, Hashable, CaseIterable {
    /// Connection attempt seen, no reply.
    case S0
    /// Connection established, not terminated.
    case S1
    /// Normal establishment and termination.
    case SF
    /// Connection attempt rejected.
    case REJ
    /// Established, and a close attempt by the originator seen (no reply from the responder).
    case S2
    /// Established, and a close attempt by the responder seen (no reply from the originator).
    case S3
    /// Established, the originator aborted (sent a RST).
    case RSTO
    /// Established, the responder aborted.
    case RSTR
    /// The originator sent a SYN followed by a RST; no SYN+ACK from the responder.
    case RSTOS0
    /// The responder sent a SYN+ACK followed by a RST; no SYN from the originator.
    case RSTRH
    /// The originator sent a SYN followed by a FIN; no SYN+ACK from the responder.
    case SH
    /// The responder sent a SYN+ACK followed by a FIN; no SYN from the originator.
    case SHR
    /// No SYN seen, just midstream traffic.
    case OTH
}

/// Wireshark's `tcp.completeness` bits for a conversation, with Wireshark's rules.
///
/// The first segment counts only if it is a SYN without ACK (SYN, and data for TCP Fast Open).
/// After it, in either direction: SYN+ACK sets SYN-ACK; a segment with ACK and without SYN sets
/// data when it has payload and ACK when it has none (a bare FIN+ACK or RST+ACK counts as ACK); FIN
/// together with ACK sets FIN; RST sets RST. A complete, orderly connection scores 31; a refused
/// one (SYN, then RST+ACK) 37. Mid-stream connections lack the SYN bit.
public struct Completeness: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let syn = Completeness(rawValue: 1)
    public static let synACK = Completeness(rawValue: 2)
    public static let ack = Completeness(rawValue: 4)
    public static let data = Completeness(rawValue: 8)
    public static let fin = Completeness(rawValue: 16)
    public static let rst = Completeness(rawValue: 32)

    /// The bits as six letters, most significant first: `R` RST, `F` FIN, `D` data, `A` ACK, `S`
    /// SYN+ACK, `S` SYN, with `·` for a missing bit; a complete orderly connection with data is
    /// `·FDASS`. This is the layout of Wireshark's `tcp.completeness.str`.
    public var letters: String {
        let marks: [(Completeness, Character)] = [
            (.rst, "R"), (.fin, "F"), (.data, "D"), (.ack, "A"), (.synACK, "S"), (.syn, "S"),
        ]
        return String(marks.map { contains($0.0) ? $0.1 : "·" })
    }
}
