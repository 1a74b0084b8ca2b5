/// What a TCP state means in practice: who gets there, how it leaves, what a pile of it means.
///
/// The text behind `tcpdoctor explain STATE`. Facts are Linux's: TIME_WAIT lasts 60 s
/// (`TCP_TIMEWAIT_LEN`) whatever `tcp_fin_timeout` says, and `tcp_fin_timeout` bounds orphaned
/// FIN_WAIT2 only.
public struct StateKnowledge: Hashable, Sendable {
    public var state: TCPState
    /// One line: what the state is.
    public var summary: String
    /// Which side gets here, and on what event.
    public var howEntered: String
    /// What moves the socket on, and which timer bounds it.
    public var howLeft: String
    /// What it means when many sockets sit in this state.
    public var pileMeans: String
    /// What to do about a pile.
    public var whatToDo: [String]

    /// The knowledge for `state` (`newSynReceived` shares SYN_RECV's).
    public static func of(_ state: TCPState) -> StateKnowledge {
        all.first { $0.state == (state == .newSynReceived ? .synReceived : state) } ?? all[0]
    }

    /// Every state users see, in netstat's order.
    public static let all: [StateKnowledge] = [
        StateKnowledge(
            state: .established,
            summary: "The connection is open in both directions; data flows.",
            howEntered:
                "The client enters it on receiving SYN+ACK (and sends the final ACK); the server on receiving that ACK, when the connection moves from the listener's queue to the accept queue.",
            howLeft:
                "By calling close() or shutdown(SHUT_WR) (to FIN_WAIT1, the active closer), by receiving the peer's FIN (to CLOSE_WAIT, the passive closer), or by an RST. No timer ends it: an idle connection can stay established forever unless keepalive or an application timeout is set.",
            pileMeans:
                "Many open connections: normal for busy servers and connection pools. Worrying when the count only grows (a pool that never evicts), or when the peers are gone and nothing notices (no keepalive, no idle timeout).",
            whatToDo: [
                "Compare with the expected concurrency; group by process and remote with `tcpdoctor states --by process`.",
                "Set idle timeouts in the application or pool, or TCP keepalive (SO_KEEPALIVE with tcp_keepalive_time) to detect dead peers.",
            ]
        ),
        StateKnowledge(
            state: .synSent,
            summary: "A connect() is in progress: our SYN is out, no SYN+ACK yet.",
            howEntered: "The client enters it when connect() sends the SYN.",
            howLeft:
                "To ESTABLISHED on SYN+ACK; to SYN_RECV on a bare SYN (simultaneous open); to CLOSED on RST (connection refused) or after tcp_syn_retries retransmissions (about 127 s with the default 6; ETIMEDOUT).",
            pileMeans:
                "Connections toward a host or port that does not answer: a firewall dropping SYNs, a dead backend, a full SYN queue on the server, or a wrong address.",
            whatToDo: [
                "Group by remote (`tcpdoctor states --by remote`) to find the silent destination.",
                "Set a connect timeout in the client instead of relying on tcp_syn_retries.",
            ]
        ),
        StateKnowledge(
            state: .synReceived,
            summary: "A server answered a SYN with SYN+ACK and waits for the client's ACK.",
            howEntered:
                "On a listener, when a SYN arrives (Linux keeps these as light request sockets, TCP_NEW_SYN_RECV, shown as SYN_RECV); also in simultaneous open.",
            howLeft:
                "To ESTABLISHED on the client's ACK; dropped after tcp_synack_retries retransmissions of the SYN+ACK (5 by default, about 60 s) or on RST.",
            pileMeans:
                "Clients that send SYN but never complete the handshake: a SYN flood, asymmetric routing or a firewall eating the ACK, or clients that went away. Under a SYN flood with tcp_syncookies=1 the kernel answers with cookies and keeps no entry at all, so a flood can leave no SYN_RECV behind: check the Syncookies counters.",
            whatToDo: [
                "Check TcpExt.SyncookiesSent and ListenDrops in /proc/net/netstat (the doctor's listen-backlog rule does).",
                "Keep net.ipv4.tcp_syncookies=1; raise tcp_max_syn_backlog and the listen backlog only for legitimate bursts.",
            ]
        ),
        StateKnowledge(
            state: .finWait1,
            summary: "We closed first and sent a FIN; it is not acknowledged yet.",
            howEntered: "The active closer enters it when close() or shutdown(SHUT_WR) sends the FIN.",
            howLeft:
                "To FIN_WAIT2 when the FIN is acknowledged; to CLOSING if the peer's FIN comes first (simultaneous close); straight to TIME_WAIT on FIN+ACK. If the peer never acknowledges (zero window, dead peer), retransmissions end it after tcp_orphan_retries for an orphaned socket.",
            pileMeans:
                "FINs that are not acknowledged: peers that stopped reading with a full receive window (our FIN waits behind unsent data), or peers that vanished. Usually shows Send-Q above 0.",
            whatToDo: [
                "Look at Send-Q and the peers; a peer that stopped reading is its own bug.",
                "net.ipv4.tcp_orphan_retries bounds orphaned FIN_WAIT1 sockets.",
            ]
        ),
        StateKnowledge(
            state: .finWait2,
            summary: "Our FIN is acknowledged; we wait for the peer's FIN.",
            howEntered: "The active closer, when the peer acknowledges our FIN.",
            howLeft:
                "To TIME_WAIT when the peer's FIN arrives. If our application has closed the socket (an orphan, no fd), Linux ends it after net.ipv4.tcp_fin_timeout (60 s by default). If the application only called shutdown(SHUT_WR) and still holds the fd, no timer ends it: it waits for the peer as long as the peer keeps the connection half-open.",
            pileMeans:
                "The peers received our FIN and never closed their side: the peer application leaks CLOSE_WAIT. Orphans (no owner) go away after tcp_fin_timeout; half-closed sockets still held by a process stay.",
            whatToDo: [
                "Find the peer process: its CLOSE_WAIT pile is the real bug (run the doctor on the peer host).",
                "Orphans are bounded by tcp_fin_timeout; held half-closed sockets need an application read timeout after shutdown().",
            ]
        ),
        StateKnowledge(
            state: .timeWait,
            summary: "The connection is closed; the side that closed first keeps its 4-tuple for a while.",
            howEntered: "The active closer (the side that sent the first FIN) when both FINs have been exchanged.",
            howLeft:
                "After 60 s on Linux (TCP_TIMEWAIT_LEN, a compile-time constant: tcp_fin_timeout does not change it). With tcp_tw_reuse a new outgoing connection may take over the 4-tuple early, when TCP timestamps make it safe.",
            pileMeans:
                "A side that closes many short connections first. Harmless in itself (a TIME_WAIT socket has no fd and little memory), but toward one destination every TIME_WAIT holds an ephemeral port: past ip_local_port_range, connect() fails with EADDRNOTAVAIL. On a server it means the server closes first (HTTP/1.0 style).",
            whatToDo: [
                "Reuse connections: keep-alive and connection pooling remove the churn.",
                "Let the client close first, or use net.ipv4.tcp_tw_reuse=1 on the client side (safe with timestamps).",
                "Do not look for tcp_tw_recycle: it broke clients behind NAT and was removed in Linux 4.12.",
            ]
        ),
        StateKnowledge(
            state: .closed,
            summary: "No connection: a socket that is not connected, or one that has been torn down.",
            howEntered: "A new socket before connect() or listen(), or a connection after RST or the end of TIME_WAIT.",
            howLeft: "connect() (to SYN_SENT) or listen() (to LISTEN).",
            pileMeans:
                "Sockets created and never used, or connections reset while the application still holds the fd. Linux drops reset connections from its tables, so their fds show up as dead socket fds instead.",
            whatToDo: ["Find the holder with `tcpdoctor sockets state closed` and check its error paths."]
        ),
        StateKnowledge(
            state: .closeWait,
            summary: "The peer closed its side; we have not closed ours. Only our application can end it.",
            howEntered: "The passive closer, when the peer's FIN arrives.",
            howLeft:
                "Only when the application calls close() (or shutdown(SHUT_WR)), which sends our FIN and moves to LAST_ACK. No kernel timer ends it. Keepalive, if enabled, may eventually reset the connection, which removes it from the tables but does not free the file descriptor.",
            pileMeans:
                "A leak in the application: it does not close sockets whose peer has closed. Recv-Q tells which bug: 1 means the FIN itself is unread (the application stopped reading the socket), 0 means it read EOF and never called close(), more than 1 means unread data plus the FIN. Each one holds a file descriptor until the process hits its open-file limit (\"Too many open files\").",
            whatToDo: [
                "Close the socket when read() returns 0 (EOF), and on every error path.",
                "Close HTTP responses and return connections to the pool (try-with-resources, `with`, `defer resp.Body.Close()`).",
                "Restarting the process frees the fds but not the bug; raising the fd limit only delays it.",
            ]
        ),
        StateKnowledge(
            state: .lastAck,
            summary: "We closed after the peer did; our FIN waits for its acknowledgement.",
            howEntered: "The passive closer, when it finally calls close() in CLOSE_WAIT.",
            howLeft:
                "To CLOSED when the peer acknowledges our FIN; after retransmissions if the peer is gone (it may answer our FIN with RST if it already forgot the connection).",
            pileMeans:
                "FINs that the peers do not acknowledge: the peers are gone or firewalled. A burst of LAST_ACK after a CLOSE_WAIT pile is the leak being closed late.",
            whatToDo: ["Look at the peers and the path; a late close after a long CLOSE_WAIT often meets an RST."]
        ),
        StateKnowledge(
            state: .listen,
            summary: "A server socket waiting for connections.",
            howEntered: "listen() on a bound socket.",
            howLeft: "close() on the listener.",
            pileMeans:
                "Not a pile: each listener is a service. For a listener, Recv-Q is the accept queue length and Send-Q the backlog; Recv-Q near Send-Q means the application does not accept() fast enough and new connections are dropped (ListenOverflows).",
            whatToDo: [
                "Watch Recv-Q against Send-Q; raise the backlog (and net.core.somaxconn) only if accept() keeps up on average."
            ]
        ),
        StateKnowledge(
            state: .closing,
            summary: "Both sides sent FIN at the same time; each waits for the ACK of its own.",
            howEntered: "In FIN_WAIT1, when the peer's FIN arrives before the ACK of ours (simultaneous close).",
            howLeft: "To TIME_WAIT when our FIN is acknowledged.",
            pileMeans: "Rare. Many CLOSING sockets mean lost ACKs or peers that vanished right after closing.",
            whatToDo: ["Check the path for loss; these clear by retransmission."]
        ),
    ]
}
