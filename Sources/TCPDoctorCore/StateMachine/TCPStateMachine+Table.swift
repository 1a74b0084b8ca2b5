extension TCPStateMachine {
    /// Every transition of the model, grouped by starting state in the order of `states`.
    ///
    /// Sources: RFC 9293 Figure 5 and section 3.10 (event processing), RFC 5961 section 4 (the
    /// challenge ACK for a SYN in a synchronized state), and Linux's `tcp_rcv_state_process`,
    /// `tcp_close` and `tcp_timewait_state_process` where Linux differs or adds timers.
    public static let transitions: [TCPTransition] = [
        // CLOSED: no connection exists; anything but a RST is answered with RST.
        edge(.closed, .passiveOpen, .listen, path: .open),
        edge(.closed, .activeOpen, .synSent, .syn, path: .open),
        edge(.closed, .receiveSYN, .closed, .rst, path: .reply, note: "no listener: connection refused"),
        edge(.closed, .receiveSYNACK, .closed, .rst, path: .reply, note: "no connection"),
        edge(.closed, .receiveACK, .closed, .rst, path: .reply, note: "no connection"),
        edge(.closed, .receiveFIN, .closed, .rst, path: .reply, note: "late FIN for a forgotten connection"),
        edge(
            .closed,
            .receiveFINACKOfFIN,
            .closed,
            .rst,
            path: .reply,
            note: "late FIN for a forgotten connection"
        ),

        // LISTEN
        edge(.listen, .receiveSYN, .synReceived, .synACK, path: .open),
        edge(
            .listen,
            .send,
            .synSent,
            .syn,
            path: .open,
            note: "RFC only: Linux cannot send on a listener",
            onLinux: false
        ),
        edge(.listen, .close, .closed, path: .open),
        edge(.listen, .abort, .closed, path: .reset),
        edge(.listen, .receiveSYNACK, .listen, .rst, path: .reply, note: "any ACK is bad in LISTEN"),
        edge(.listen, .receiveACK, .listen, .rst, path: .reply, note: "any ACK is bad in LISTEN"),
        edge(.listen, .receiveFIN, .listen, .rst, path: .reply, note: "any ACK is bad in LISTEN"),

        // SYN_SENT
        edge(.synSent, .receiveSYNACK, .established, .ack, path: .open),
        edge(.synSent, .receiveSYN, .synReceived, .synACK, path: .simultaneousOpen, note: "simultaneous open"),
        edge(.synSent, .receiveRST, .closed, path: .reset, note: "connection refused"),
        edge(.synSent, .close, .closed, path: .open),
        edge(.synSent, .abort, .closed, path: .reset),
        edge(.synSent, .handshakeTimeout, .closed, path: .timeout, note: "tcp_syn_retries exhausted"),

        // SYN_RECEIVED
        edge(.synReceived, .receiveACKOfSYN, .established, path: .open),
        edge(
            .synReceived,
            .receiveSYNACK,
            .established,
            .ack,
            path: .simultaneousOpen,
            note: "simultaneous open"
        ),
        edge(
            .synReceived,
            .receiveSYN,
            .synReceived,
            .synACK,
            path: .reply,
            note: "retransmitted SYN: the SYN+ACK is sent again"
        ),
        edge(.synReceived, .close, .finWait1, .fin, path: .activeClose),
        edge(.synReceived, .abort, .closed, .rst, path: .reset),
        edge(
            .synReceived,
            .receiveRST,
            .listen,
            path: .reset,
            note: "back to LISTEN after a passive open (Linux drops the request socket); CLOSED after an active one"
        ),
        edge(.synReceived, .receiveFIN, .closeWait, .ack, path: .passiveClose),
        edge(.synReceived, .handshakeTimeout, .closed, path: .timeout, note: "tcp_synack_retries exhausted"),

        // ESTABLISHED
        edge(.established, .close, .finWait1, .fin, path: .activeClose),
        edge(.established, .receiveFIN, .closeWait, .ack, path: .passiveClose),
        edge(.established, .abort, .closed, .rst, path: .reset),
        edge(.established, .receiveRST, .closed, path: .reset),
        edge(.established, .receiveSYN, .established, .ack, path: .reply, note: "challenge ACK (RFC 5961)"),
        edge(.established, .receiveSYNACK, .established, .ack, path: .reply, note: "duplicate SYN+ACK"),

        // FIN_WAIT1
        edge(.finWait1, .receiveACKOfFIN, .finWait2, path: .activeClose),
        edge(.finWait1, .receiveFIN, .closing, .ack, path: .simultaneousClose, note: "simultaneous close"),
        edge(.finWait1, .receiveFINACKOfFIN, .timeWait, .ack, path: .activeClose, note: "FIN and ACK together"),
        edge(.finWait1, .abort, .closed, .rst, path: .reset),
        edge(.finWait1, .receiveRST, .closed, path: .reset),
        edge(.finWait1, .receiveSYN, .finWait1, .ack, path: .reply, note: "challenge ACK (RFC 5961)"),

        // FIN_WAIT2
        edge(.finWait2, .receiveFIN, .timeWait, .ack, path: .activeClose),
        edge(.finWait2, .receiveFINACKOfFIN, .timeWait, .ack, path: .activeClose),
        edge(
            .finWait2,
            .finWait2Timeout,
            .closed,
            path: .timeout,
            note: "orphans only, after tcp_fin_timeout (60 s by default)"
        ),
        edge(.finWait2, .abort, .closed, .rst, path: .reset),
        edge(.finWait2, .receiveRST, .closed, path: .reset),
        edge(.finWait2, .receiveSYN, .finWait2, .ack, path: .reply, note: "challenge ACK (RFC 5961)"),

        // CLOSE_WAIT
        edge(.closeWait, .close, .lastAck, .fin, path: .passiveClose),
        edge(.closeWait, .abort, .closed, .rst, path: .reset),
        edge(.closeWait, .receiveRST, .closed, path: .reset),
        edge(.closeWait, .receiveFIN, .closeWait, .ack, path: .reply, note: "retransmitted FIN"),
        edge(.closeWait, .receiveSYN, .closeWait, .ack, path: .reply, note: "challenge ACK (RFC 5961)"),

        // CLOSING
        edge(.closing, .receiveACKOfFIN, .timeWait, path: .simultaneousClose),
        edge(.closing, .receiveFINACKOfFIN, .timeWait, .ack, path: .simultaneousClose),
        edge(.closing, .receiveFIN, .closing, .ack, path: .reply, note: "retransmitted FIN"),
        edge(.closing, .abort, .closed, path: .reset),
        edge(.closing, .receiveRST, .closed, path: .reset),
        edge(.closing, .receiveSYN, .closing, .ack, path: .reply, note: "challenge ACK (RFC 5961)"),

        // LAST_ACK
        edge(.lastAck, .receiveACKOfFIN, .closed, path: .passiveClose),
        edge(.lastAck, .receiveFINACKOfFIN, .closed, path: .passiveClose, note: "retransmitted FIN with the ACK"),
        edge(.lastAck, .receiveFIN, .lastAck, .ack, path: .reply, note: "retransmitted FIN"),
        edge(.lastAck, .abort, .closed, path: .reset),
        edge(.lastAck, .receiveRST, .closed, path: .reset),
        edge(.lastAck, .receiveSYN, .lastAck, .ack, path: .reply, note: "challenge ACK (RFC 5961)"),

        // TIME_WAIT
        edge(.timeWait, .timeWaitTimeout, .closed, path: .timeout, note: "60 s on Linux (TCP_TIMEWAIT_LEN)"),
        edge(.timeWait, .receiveFIN, .timeWait, .ack, path: .reply, note: "retransmitted FIN: timer restarts"),
        edge(
            .timeWait,
            .receiveFINACKOfFIN,
            .timeWait,
            .ack,
            path: .reply,
            note: "retransmitted FIN: timer restarts"
        ),
        edge(.timeWait, .abort, .closed, path: .reset),
        edge(
            .timeWait,
            .receiveRST,
            .closed,
            path: .reset,
            note: "TIME-WAIT assassination (RFC 1337); Linux allows it unless tcp_rfc1337 is set"
        ),
        edge(
            .timeWait,
            .receiveSYN,
            .timeWait,
            .ack,
            path: .reply,
            note: "challenge ACK; Linux reuses the 4-tuple for a SYN with a newer sequence or timestamp"
        ),
    ]

    private static func edge(
        _ from: TCPState,
        _ event: TCPEvent,
        _ to: TCPState,
        _ sends: TCPTransition.Sent? = nil,
        path: TCPTransition.Path,
        note: String = "",
        onLinux: Bool = true
    ) -> TCPTransition {
        TCPTransition(from: from, event: event, to: to, sends: sends, path: path, note: note, onLinux: onLinux)
    }
}
