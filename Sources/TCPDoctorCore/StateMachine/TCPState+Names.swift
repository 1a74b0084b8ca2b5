extension TCPState {
    /// The name RFC 9293 uses, such as `SYN-RECEIVED` or `CLOSE-WAIT`.
    public var rfcName: String {
        switch self {
        case .established: "ESTABLISHED"
        case .synSent: "SYN-SENT"
        case .synReceived, .newSynReceived: "SYN-RECEIVED"
        case .finWait1: "FIN-WAIT-1"
        case .finWait2: "FIN-WAIT-2"
        case .timeWait: "TIME-WAIT"
        case .closed: "CLOSED"
        case .closeWait: "CLOSE-WAIT"
        case .lastAck: "LAST-ACK"
        case .listen: "LISTEN"
        case .closing: "CLOSING"
        }
    }

    /// The kernel's constant, such as `TCP_CLOSE_WAIT` (from `include/net/tcp_states.h`).
    public var kernelName: String {
        switch self {
        case .established: "TCP_ESTABLISHED"
        case .synSent: "TCP_SYN_SENT"
        case .synReceived: "TCP_SYN_RECV"
        case .finWait1: "TCP_FIN_WAIT1"
        case .finWait2: "TCP_FIN_WAIT2"
        case .timeWait: "TCP_TIME_WAIT"
        case .closed: "TCP_CLOSE"
        case .closeWait: "TCP_CLOSE_WAIT"
        case .lastAck: "TCP_LAST_ACK"
        case .listen: "TCP_LISTEN"
        case .closing: "TCP_CLOSING"
        case .newSynReceived: "TCP_NEW_SYN_RECV"
        }
    }

    /// Whether the state is synchronized in RFC 9293's sense: both sequence spaces are known, so a
    /// SYN is answered by a challenge ACK and an abort sends RST (from ESTABLISHED onward).
    public var isSynchronized: Bool {
        switch self {
        case .closed, .listen, .synSent, .synReceived, .newSynReceived: false
        case .established, .finWait1, .finWait2, .closeWait, .closing, .lastAck, .timeWait: true
        }
    }
}
