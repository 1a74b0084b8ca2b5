import TCPDoctorCore

/// One TCP connection rebuilt from a capture: both endpoints' state timelines and the verdicts.
///
/// Built by `ConnectionAnalyzer` when the connection is over (or the capture ends), after which the
/// analyzer forgets it. The originator is the endpoint that sent the first SYN; when the capture
/// starts mid-stream it is a guess, and `originatorBasis` says on what it rests.
///
/// The analysis observes at the capture point and assumes that a segment seen on the wire was sent
/// by its source and received by its destination at that instant. Acknowledgment numbers correct
/// this where it matters: a FIN that does not acknowledge the peer's FIN was sent before its sender
/// had received the peer's FIN, whatever the order in the file (see `activeCloser`).
public struct Connection: Hashable, Sendable {
    /// The two ends of a connection.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case originator
        case responder

        /// The other end.
        public var peer: Role { self == .originator ? .responder : .originator }
    }

    /// Who closed first: one side, or both at once (simultaneous close).
    public enum Closer: String, Sendable, Hashable, CaseIterable {
        case originator
        case responder
        case both
    }

    /// What the choice of originator rests on.
    public enum OriginatorBasis: String, Sendable, Hashable, CaseIterable {
        /// The originator's SYN was captured.
        case syn
        /// Only the responder's SYN+ACK was captured; its destination is the originator.
        case synACK = "syn_ack"
        /// Mid-stream: one port is below 1024 and the other is not; the low port is the server.
        case wellKnownPort = "well_known_port"
        /// Mid-stream: one port is in an ephemeral range (Linux's default 32768-60999, or IANA's
        /// 49152-65535) and the other is not; the ephemeral port is the client.
        case ephemeralPort = "ephemeral_port"
        /// Mid-stream, no better clue: the lower port is taken as the server.
        case lowerPort = "lower_port"
        /// Mid-stream with equal ports: the sender of the first captured segment is the originator.
        case firstPacket = "first_packet"
    }

    public var originator: Endpoint
    public var responder: Endpoint
    public var originatorBasis: OriginatorBasis
    /// Whether the capture began after the connection did (its SYN was not captured).
    public var startedMidStream: Bool
    /// Nanoseconds since the Unix epoch of the first and last captured segment.
    public var firstTimestampNanoseconds: Int64
    public var lastTimestampNanoseconds: Int64
    /// 1-based packet numbers in the capture file of the first and last segment.
    public var firstPacketNumber: UInt64
    public var lastPacketNumber: UInt64

    public var originatorStats: EndpointStats
    public var responderStats: EndpointStats
    /// Both endpoints' timelines, inline; `originatorTimeline` and `responderTimeline` build them.
    public var timelines: ConnectionTimelines
    /// The originator's timeline, built from `timelines` on each read.
    public var originatorTimeline: EndpointTimeline { timelines.timeline(.originator) }
    /// The responder's timeline, built from `timelines` on each read.
    public var responderTimeline: EndpointTimeline { timelines.timeline(.responder) }

    /// How the connection ended; see `Ending`.
    public var ended: Ending
    /// Who sent the first FIN without having received the other's; nil if no FIN was sent.
    public var activeCloser: Closer?
    /// The side that received a FIN and sat in CLOSE_WAIT before closing its own side.
    public var closeWait: CloseWait?
    /// Data sent by one side after the other side's FIN.
    public var halfClose: HalfClose?
    /// The first RST of the connection.
    public var reset: Reset?
    /// A FIN that came so late that the peer had forgotten the connection and answered with RST.
    public var lateFIN: LateFIN?

    /// Zeek's `conn_state` for this connection, computed from Zeek's rules; nil when the analyzer
    /// was told not to rebuild Zeek's view (`ConnectionAnalyzer.Configuration.zeekColumns`).
    public var zeekConnState: ZeekConnState?
    /// Zeek's `history` string (see `ZeekHistory` for the letters and the known deviations); nil
    /// when `zeekConnState` is.
    public var zeekHistory: String? { history?.string }
    /// The history letters, inline: the connection value holds no references, so handing one out
    /// and dropping it costs no reference counting.
    var history: ZeekHistory?
    /// Wireshark's `tcp.completeness` bits.
    public var completeness: Completeness
    /// The tunnel that carried the connection's first captured segment; nil when none did. The
    /// endpoints are always the inner ones.
    public var tunnel: Tunnel?
    /// Zeek takes the responder as its originator (the first packet's direction and its port
    /// heuristic disagree with tcpdoctor's choice; see docs/zeek.md). `zeekConnState` and
    /// `zeekHistory` are in Zeek's roles; a Zeek conn.log writer swaps the columns.
    public var zeekRolesSwapped = false

    /// A connection from its parts; the analyzer builds these, renderers' tests may too.
    ///
    /// Timelines and history are kept as the analyzer keeps them: at most
    /// `ConnectionTimelines.capacity` transitions and `zeekHistoryCapacity` history letters.
    public init(
        originator: Endpoint,
        responder: Endpoint,
        originatorBasis: OriginatorBasis,
        startedMidStream: Bool,
        firstTimestampNanoseconds: Int64,
        lastTimestampNanoseconds: Int64,
        firstPacketNumber: UInt64,
        lastPacketNumber: UInt64,
        originatorStats: EndpointStats,
        responderStats: EndpointStats,
        originatorTimeline: EndpointTimeline,
        responderTimeline: EndpointTimeline,
        ended: Ending,
        activeCloser: Closer? = nil,
        closeWait: CloseWait? = nil,
        halfClose: HalfClose? = nil,
        reset: Reset? = nil,
        lateFIN: LateFIN? = nil,
        zeekConnState: ZeekConnState?,
        zeekHistory: String?,
        completeness: Completeness
    ) {
        self.init(
            originator: originator,
            responder: responder,
            originatorBasis: originatorBasis,
            startedMidStream: startedMidStream,
            firstTimestampNanoseconds: firstTimestampNanoseconds,
            lastTimestampNanoseconds: lastTimestampNanoseconds,
            firstPacketNumber: firstPacketNumber,
            lastPacketNumber: lastPacketNumber,
            originatorStats: originatorStats,
            responderStats: responderStats,
            timelines: ConnectionTimelines(originator: originatorTimeline, responder: responderTimeline),
            ended: ended,
            activeCloser: activeCloser,
            closeWait: closeWait,
            halfClose: halfClose,
            reset: reset,
            lateFIN: lateFIN,
            zeekConnState: zeekConnState,
            history: zeekHistory.map { ZeekHistory(letters: $0.utf8) },
            completeness: completeness
        )
    }

    /// The analyzer's initializer: timelines and history as the tracker holds them.
    @inline(__always)
    init(
        originator: Endpoint,
        responder: Endpoint,
        originatorBasis: OriginatorBasis,
        startedMidStream: Bool,
        firstTimestampNanoseconds: Int64,
        lastTimestampNanoseconds: Int64,
        firstPacketNumber: UInt64,
        lastPacketNumber: UInt64,
        originatorStats: EndpointStats,
        responderStats: EndpointStats,
        timelines: ConnectionTimelines,
        ended: Ending,
        activeCloser: Closer?,
        closeWait: CloseWait?,
        halfClose: HalfClose?,
        reset: Reset?,
        lateFIN: LateFIN?,
        zeekConnState: ZeekConnState?,
        history: ZeekHistory?,
        completeness: Completeness
    ) {
        self.originator = originator
        self.responder = responder
        self.originatorBasis = originatorBasis
        self.startedMidStream = startedMidStream
        self.firstTimestampNanoseconds = firstTimestampNanoseconds
        self.lastTimestampNanoseconds = lastTimestampNanoseconds
        self.firstPacketNumber = firstPacketNumber
        self.lastPacketNumber = lastPacketNumber
        self.originatorStats = originatorStats
        self.responderStats = responderStats
        self.timelines = timelines
        self.ended = ended
        self.activeCloser = activeCloser
        self.closeWait = closeWait
        self.halfClose = halfClose
        self.reset = reset
        self.lateFIN = lateFIN
        self.zeekConnState = zeekConnState
        self.history = history
        self.completeness = completeness
    }

    /// The most letters `zeekHistory` holds (Zeek's own is unbounded).
    public static var zeekHistoryCapacity: Int { ZeekHistory.capacity }

    /// The endpoint playing `role`.
    public func endpoint(_ role: Role) -> Endpoint { role == .originator ? originator : responder }

    /// The statistics of `role`.
    public func stats(_ role: Role) -> EndpointStats { role == .originator ? originatorStats : responderStats }

    /// The timeline of `role`, built from `timelines`.
    public func timeline(_ role: Role) -> EndpointTimeline { timelines.timeline(role) }

    /// Seconds from the first to the last captured segment.
    public var durationSeconds: Double { Double(lastTimestampNanoseconds - firstTimestampNanoseconds) / 1e9 }
}

/// Counts for one endpoint of a connection, from the segments it sent.
public struct EndpointStats: Hashable, Sendable {
    public var packets: UInt64
    /// Payload bytes in new sequence space (retransmitted bytes are not counted twice).
    public var bytes: UInt64
    /// SYNs or SYN+ACKs sent again with the same sequence number.
    public var synRetransmissions: UInt32
    /// FINs sent again with the same sequence number.
    public var finRetransmissions: UInt32
    /// When the endpoint's first FIN was captured, and its packet number; nil if it sent none.
    public var finTimestampNanoseconds: Int64?
    public var finPacketNumber: UInt64?
    /// Bytes of the IP packets the endpoint sent, headers included (Zeek's `orig_ip_bytes` and
    /// `resp_ip_bytes`); counted only when the analyzer rebuilds Zeek's columns, else 0.
    public var ipBytes: UInt64
    /// Bytes of the endpoint's stream that its peer acknowledged but the capture never held
    /// (Zeek's `missed_bytes`, content gaps); counted only with Zeek's columns, else 0.
    public var missedBytes: UInt64

    public init(
        packets: UInt64 = 0,
        bytes: UInt64 = 0,
        synRetransmissions: UInt32 = 0,
        finRetransmissions: UInt32 = 0,
        finTimestampNanoseconds: Int64? = nil,
        finPacketNumber: UInt64? = nil,
        ipBytes: UInt64 = 0,
        missedBytes: UInt64 = 0
    ) {
        self.ipBytes = ipBytes
        self.missedBytes = missedBytes
        self.packets = packets
        self.bytes = bytes
        self.synRetransmissions = synRetransmissions
        self.finRetransmissions = finRetransmissions
        self.finTimestampNanoseconds = finTimestampNanoseconds
        self.finPacketNumber = finPacketNumber
    }
}
