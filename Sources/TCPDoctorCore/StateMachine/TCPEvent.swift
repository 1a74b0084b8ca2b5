/// Something that moves one TCP endpoint through the RFC 9293 state machine.
///
/// Three kinds, as in RFC 9293 section 3.10: calls the application makes, segments that arrive, and
/// timers that fire. Segment events are named after what the segment means *to the receiving
/// endpoint* ("the ACK of our SYN"), because that is what decides the transition; the capture analysis
/// classifies each segment into one of these from its flags and acknowledgment number.
public enum TCPEvent: UInt8, Sendable, Hashable, CaseIterable {
    /// `listen()`: RFC 9293's passive OPEN.
    case passiveOpen = 0
    /// `connect()`: RFC 9293's active OPEN; a SYN goes out.
    case activeOpen
    /// SEND on a listening endpoint, which RFC 9293 turns into an active open (Linux has no such path).
    case send
    /// `close()` or `shutdown(SHUT_WR)`: RFC 9293's CLOSE; a FIN goes out once the data is sent.
    case close
    /// RFC 9293's ABORT: `close()` with `SO_LINGER` set to zero, or the kernel's `tcp_disconnect()`.
    case abort
    /// A SYN without ACK.
    case receiveSYN
    /// A SYN+ACK, whose ACK covers our SYN when we sent one.
    case receiveSYNACK
    /// An ACK-bearing segment without SYN or FIN that acknowledges neither our SYN nor our FIN.
    ///
    /// Changes nothing in a synchronized state; matters where no connection exists, which answers it
    /// with RST (a stray ACK or data for a forgotten connection).
    case receiveACK
    /// A segment without SYN or FIN whose ACK covers our SYN: the third packet of the handshake.
    case receiveACKOfSYN
    /// A segment without SYN or FIN whose ACK covers our FIN.
    case receiveACKOfFIN
    /// A FIN that does not acknowledge a FIN of ours (we sent none, or it crossed ours on the wire).
    case receiveFIN
    /// A FIN whose ACK covers our FIN: the peer saw our FIN before sending its own.
    case receiveFINACKOfFIN
    /// A RST, taken as acceptable (in window, or acknowledging our SYN in SYN_SENT).
    case receiveRST
    /// The end of TIME_WAIT: 2 MSL in RFC 9293, a fixed 60 s on Linux (`TCP_TIMEWAIT_LEN`).
    case timeWaitTimeout
    /// The end of an orphaned FIN_WAIT2: Linux's `tcp_fin_timeout` (default 60 s, `TCP_FIN_TIMEOUT`).
    ///
    /// Only orphans time out: a socket that called `shutdown(SHUT_WR)` and is still held by its
    /// process stays in FIN_WAIT2 for as long as the peer keeps its side open.
    case finWait2Timeout
    /// The handshake gave up: `tcp_syn_retries` SYNs (SYN_SENT) or `tcp_synack_retries` SYN+ACKs
    /// (SYN_RECV) went unanswered.
    case handshakeTimeout

    /// A short name for diagrams and JSON, such as `rcv FIN` or `close`.
    public var label: String {
        switch self {
        case .passiveOpen: "passive open"
        case .activeOpen: "active open"
        case .send: "send"
        case .close: "close"
        case .abort: "abort"
        case .receiveSYN: "rcv SYN"
        case .receiveSYNACK: "rcv SYN+ACK"
        case .receiveACK: "rcv ACK"
        case .receiveACKOfSYN: "rcv ACK of SYN"
        case .receiveACKOfFIN: "rcv ACK of FIN"
        case .receiveFIN: "rcv FIN"
        case .receiveFINACKOfFIN: "rcv FIN+ACK of FIN"
        case .receiveRST: "rcv RST"
        case .timeWaitTimeout: "TIME_WAIT timeout"
        case .finWait2Timeout: "FIN_WAIT2 timeout"
        case .handshakeTimeout: "handshake timeout"
        }
    }

    /// A stable snake_case identifier for JSON, such as `receive_fin`.
    public var identifier: String {
        switch self {
        case .passiveOpen: "passive_open"
        case .activeOpen: "active_open"
        case .send: "send"
        case .close: "close"
        case .abort: "abort"
        case .receiveSYN: "receive_syn"
        case .receiveSYNACK: "receive_syn_ack"
        case .receiveACK: "receive_ack"
        case .receiveACKOfSYN: "receive_ack_of_syn"
        case .receiveACKOfFIN: "receive_ack_of_fin"
        case .receiveFIN: "receive_fin"
        case .receiveFINACKOfFIN: "receive_fin_ack_of_fin"
        case .receiveRST: "receive_rst"
        case .timeWaitTimeout: "time_wait_timeout"
        case .finWait2Timeout: "fin_wait2_timeout"
        case .handshakeTimeout: "handshake_timeout"
        }
    }

    /// What kind of event this is.
    public var kind: Kind {
        switch self {
        case .passiveOpen, .activeOpen, .send, .close, .abort: .userCall
        case .receiveSYN, .receiveSYNACK, .receiveACK, .receiveACKOfSYN, .receiveACKOfFIN, .receiveFIN,
            .receiveFINACKOfFIN, .receiveRST:
            .segment
        case .timeWaitTimeout, .finWait2Timeout, .handshakeTimeout: .timeout
        }
    }

    /// The three sources of events in RFC 9293 section 3.10.
    public enum Kind: Sendable, Hashable {
        case userCall
        case segment
        case timeout
    }
}
