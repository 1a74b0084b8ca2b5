/// One TCP socket as the kernel reported it, in one network namespace.
///
/// Produced by the netlink `inet_diag` dump or by the `/proc/net/tcp` fallback; both fill the
/// same fields, except that `cookie`, `tcpInfo` and `shutdown` are netlink-only.
public struct SocketRecord: Hashable, Sendable {
    // Stored properties are ordered for a compact layout (Swift keeps declaration order): a
    // busy host has 200k of these, so 128 bytes a record instead of 200 matters.
    public var local: Endpoint
    public var remote: Endpoint
    /// For a listener, the accept queue length; otherwise bytes received and not yet read.
    public var recvQ: UInt32
    /// For a listener, the accept backlog; otherwise bytes sent and not yet acknowledged.
    public var sendQ: UInt32
    public var uid: UInt32
    /// The interface the socket is bound to (`idiag_if`: `SO_BINDTODEVICE`, an IPv6 link-local
    /// scope), 0 for none and from /proc. The kernel finds a bound socket by its id only with it,
    /// so `SOCK_DESTROY` sends it back.
    public var interfaceIndex: UInt32
    /// The socket's inode (`socket:[INODE]` in `/proc/PID/fd`); 0 for sockets no file refers to,
    /// such as TIME_WAIT and orphaned FIN_WAIT2.
    public var inode: UInt64
    /// The kernel's socket cookie (`idiag_cookie`), unique for the socket's lifetime; 0 from /proc.
    public var cookie: UInt64
    /// The network namespace the socket lives in (the inode of its `/proc/PID/ns/net`).
    public var netns: UInt64
    public var timer: SocketTimer?
    public var state: TCPState
    /// Present when asked for (`INET_DIAG_SHUTDOWN`).
    public var shutdown: ShutdownState?
    /// tcp_info is asked for rarely and is 56 bytes, so it lives in a box.
    private var infoBox: TCPInfoBox?

    /// Present when asked for (`INET_DIAG_INFO`).
    public var tcpInfo: TCPInfoSummary? {
        get { infoBox?.info }
        set { infoBox = newValue.map(TCPInfoBox.init) }
    }

    public init(
        state: TCPState,
        local: Endpoint,
        remote: Endpoint,
        recvQ: UInt32 = 0,
        sendQ: UInt32 = 0,
        inode: UInt64 = 0,
        uid: UInt32 = 0,
        timer: SocketTimer? = nil,
        cookie: UInt64 = 0,
        netns: UInt64 = 0,
        tcpInfo: TCPInfoSummary? = nil,
        shutdown: ShutdownState? = nil,
        interfaceIndex: UInt32 = 0
    ) {
        self.state = state
        self.local = local
        self.remote = remote
        self.recvQ = recvQ
        self.sendQ = sendQ
        self.inode = inode
        self.uid = uid
        self.timer = timer
        self.cookie = cookie
        self.netns = netns
        self.infoBox = tcpInfo.map(TCPInfoBox.init)
        self.shutdown = shutdown
        self.interfaceIndex = interfaceIndex
    }
}

/// An immutable box for `TCPInfoSummary`, compared and hashed by value.
private final class TCPInfoBox: Hashable, Sendable {
    let info: TCPInfoSummary
    init(_ info: TCPInfoSummary) { self.info = info }
    static func == (lhs: TCPInfoBox, rhs: TCPInfoBox) -> Bool { lhs.info == rhs.info }
    func hash(into hasher: inout Hasher) { hasher.combine(info) }
}

/// The timer the kernel runs on a socket (`idiag_timer`, or the `tr` column of /proc/net/tcp).
public struct SocketTimer: Hashable, Sendable {
    public enum Kind: UInt8, Sendable, Hashable {
        /// Retransmission timer (also the lost-probe and RACK reordering timers; /proc's `1`).
        case retransmit = 1
        /// Keepalive, or for FIN_WAIT2 the `tcp_fin_timeout` timer (/proc's `2`).
        case keepalive = 2
        /// TIME_WAIT's 60 s timer (/proc's `3`).
        case timeWait = 3
        /// Zero window probe timer (/proc's `4`).
        case zeroWindowProbe = 4

        /// The name `ss -o` prints: `on`, `keepalive`, `timewait`, `persist`.
        public var name: String {
            switch self {
            case .retransmit: "on"
            case .keepalive: "keepalive"
            case .timeWait: "timewait"
            case .zeroWindowProbe: "persist"
            }
        }
    }

    /// Milliseconds until the timer fires (negative if overdue, as the kernel may report).
    public var expiresMilliseconds: Int64
    public var kind: Kind
    /// Retransmissions (`idiag_retrans`): for the retransmit timer, unrecovered RTO timeouts; for
    /// keepalive, probes sent.
    public var retransmits: UInt8

    public init(kind: Kind, expiresMilliseconds: Int64, retransmits: UInt8) {
        self.kind = kind
        self.expiresMilliseconds = expiresMilliseconds
        self.retransmits = retransmits
    }
}

/// Which directions of a socket the owner has shut down (`INET_DIAG_SHUTDOWN`: `RCV_SHUTDOWN` is
/// bit 0, `SEND_SHUTDOWN` bit 1).
public struct ShutdownState: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The kernel's `RCV_SHUTDOWN`: no more data will be read (peer FIN received or `shutdown(SHUT_RD)`).
    public static let receive = ShutdownState(rawValue: 1)
    /// The kernel's `SEND_SHUTDOWN`: our FIN is queued or sent.
    public static let send = ShutdownState(rawValue: 2)
}

/// The parts of the kernel's `struct tcp_info` that tcpdoctor uses.
///
/// Times are as the kernel gives them: `last*` in milliseconds since the event, RTTs in
/// microseconds.
public struct TCPInfoSummary: Hashable, Sendable {
    /// `tcpi_last_data_sent`: milliseconds since data was last sent.
    public var lastDataSentMilliseconds: UInt32
    /// `tcpi_last_data_recv`: milliseconds since data was last received.
    public var lastDataReceivedMilliseconds: UInt32
    /// `tcpi_last_ack_recv`: milliseconds since an ACK was last received.
    public var lastAckReceivedMilliseconds: UInt32
    /// `tcpi_rtt`: smoothed round-trip time in microseconds.
    public var rttMicroseconds: UInt32
    /// `tcpi_rttvar`: round-trip time variance in microseconds.
    public var rttVarianceMicroseconds: UInt32
    /// `tcpi_retransmits`: consecutive unrecovered RTO retransmissions.
    public var retransmits: UInt8
    /// `tcpi_total_retrans`: segments retransmitted over the connection's life.
    public var totalRetransmits: UInt32
    /// `tcpi_probes`: unanswered zero-window or keepalive probes.
    public var probes: UInt8
    /// `tcpi_backoff`: RTO exponential backoff.
    public var backoff: UInt8
    /// `tcpi_unacked`: segments sent and not yet acknowledged.
    public var unacked: UInt32
    /// `tcpi_bytes_received`: 0 when the kernel's tcp_info is too old to have it.
    public var bytesReceived: UInt64
    /// `tcpi_bytes_acked`: 0 when the kernel's tcp_info is too old to have it.
    public var bytesAcked: UInt64

    public init(
        lastDataSentMilliseconds: UInt32 = 0,
        lastDataReceivedMilliseconds: UInt32 = 0,
        lastAckReceivedMilliseconds: UInt32 = 0,
        rttMicroseconds: UInt32 = 0,
        rttVarianceMicroseconds: UInt32 = 0,
        retransmits: UInt8 = 0,
        totalRetransmits: UInt32 = 0,
        probes: UInt8 = 0,
        backoff: UInt8 = 0,
        unacked: UInt32 = 0,
        bytesReceived: UInt64 = 0,
        bytesAcked: UInt64 = 0
    ) {
        self.lastDataSentMilliseconds = lastDataSentMilliseconds
        self.lastDataReceivedMilliseconds = lastDataReceivedMilliseconds
        self.lastAckReceivedMilliseconds = lastAckReceivedMilliseconds
        self.rttMicroseconds = rttMicroseconds
        self.rttVarianceMicroseconds = rttVarianceMicroseconds
        self.retransmits = retransmits
        self.totalRetransmits = totalRetransmits
        self.probes = probes
        self.backoff = backoff
        self.unacked = unacked
        self.bytesReceived = bytesReceived
        self.bytesAcked = bytesAcked
    }
}
