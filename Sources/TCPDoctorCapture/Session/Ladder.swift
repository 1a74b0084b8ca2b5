import TCPDoctorCore

/// A ladder diagram of one connection: its packets in order, each with the states it moved both
/// endpoints into, and the timers the analysis inferred between packets.
///
/// Built from the analyzed `Connection` and a second read of the capture for that connection's
/// packets. A long connection keeps its first and last `edgeRows` packets and every packet that
/// changed a state; the packets in between are counted in `gap` rows, so that a bulk transfer of a
/// million packets draws as a short picture and costs bounded memory.
public struct Ladder: Sendable {
    /// One packet as the diagram shows it, sequence numbers relative to each side's first.
    public struct Packet: Hashable, Sendable {
        /// The packet's number in the capture (counting on across files).
        public var number: UInt64
        /// 1-based position among the connection's own packets.
        public var ordinal: UInt64
        /// When it was captured, in nanoseconds since the Unix epoch.
        public var timestampNanoseconds: Int64
        /// Whether the originator sent it.
        public var fromOriginator: Bool
        /// Its TCP flags.
        public var flags: TCPFlags
        /// Its sequence number less the sender's first.
        public var relativeSequence: UInt32
        /// Its acknowledgment number less the receiver's first sequence number.
        public var relativeAcknowledgment: UInt32
        /// Its TCP payload in bytes.
        public var payloadLength: UInt32
    }

    /// One line of the diagram.
    public enum Row: Hashable, Sendable {
        /// A packet and the states its sender and receiver entered on it (nil: unchanged).
        case packet(Packet, originatorState: TCPState?, responderState: TCPState?)
        /// A step of one endpoint that no packet caused: a timer, or an inferred expiry.
        case timer(Connection.Role, TimelineTransition)
        /// Packets left out that changed no state.
        case gap(packets: UInt64)
    }

    /// Packets kept at each end of a long connection.
    public static let edgeRows = 200

    /// The connection drawn.
    public var connection: Connection
    /// The connection's position in the `--connections` listing with the same filters.
    public var index: Int
    /// The diagram from top to bottom.
    public var rows: [Row]

    /// The state each endpoint started in (CLOSE for the originator, LISTEN for a responder).
    public var initialStates: (originator: TCPState?, responder: TCPState?) {
        (connection.originatorTimeline.initialState, connection.responderTimeline.initialState)
    }
}

/// Gathers one connection's packets on the second read of a capture, in bounded memory.
public struct LadderCollector {
    /// The connection whose packets are gathered.
    public let connection: Connection
    private let statePackets: Set<UInt64>
    private var head: [Ladder.Packet] = []
    private var kept: [Ladder.Packet] = []
    private var tail: [Ladder.Packet] = []
    private var tailStart = 0
    private var originatorBase: UInt32?
    private var responderBase: UInt32?
    /// The connection's packets seen so far.
    public private(set) var packets: UInt64 = 0

    /// A collector for `connection`, as the first read analysed it.
    public init(connection: Connection) {
        self.connection = connection
        var numbers = Set<UInt64>()
        for timeline in [connection.originatorTimeline, connection.responderTimeline] {
            for transition in timeline.transitions {
                if let packet = transition.packetNumber { numbers.insert(packet) }
            }
        }
        if let reset = connection.reset { numbers.insert(reset.packetNumber) }
        for stats in [connection.originatorStats, connection.responderStats] {
            if let fin = stats.finPacketNumber { numbers.insert(fin) }
        }
        statePackets = numbers
    }

    /// Whether `segment` (with its capture-wide packet number) belongs to the connection.
    public func belongs(_ segment: TCPSegment) -> Bool {
        guard segment.packetNumber >= connection.firstPacketNumber,
            segment.packetNumber <= connection.lastPacketNumber
        else { return false }
        let o = connection.originator
        let r = connection.responder
        return (segment.source == o && segment.destination == r) || (segment.source == r && segment.destination == o)
    }

    /// Takes one of the connection's packets, in capture order.
    public mutating func add(_ segment: TCPSegment) {
        packets += 1
        let fromOriginator = segment.source == connection.originator
        if fromOriginator, originatorBase == nil { originatorBase = segment.sequence }
        if !fromOriginator, responderBase == nil { responderBase = segment.sequence }
        let ownBase = (fromOriginator ? originatorBase : responderBase) ?? segment.sequence
        let peerBase = (fromOriginator ? responderBase : originatorBase) ?? segment.acknowledgment &- 1
        let packet = Ladder.Packet(
            number: segment.packetNumber,
            ordinal: packets,
            timestampNanoseconds: segment.timestampNanoseconds,
            fromOriginator: fromOriginator,
            flags: segment.flags,
            relativeSequence: segment.sequence &- ownBase,
            relativeAcknowledgment: segment.acknowledgment &- peerBase,
            payloadLength: segment.payloadLength
        )
        if head.count < Ladder.edgeRows {
            head.append(packet)
            return
        }
        // The last `edgeRows` packets, as a ring; the one pushed out is kept only if it changed a state.
        if tail.count < Ladder.edgeRows {
            tail.append(packet)
            return
        }
        let evicted = tail[tailStart]
        tail[tailStart] = packet
        tailStart = (tailStart + 1) % tail.count
        if statePackets.contains(evicted.number) { kept.append(evicted) }
    }

    /// The ladder's rows: packets in capture order, gaps where packets were left out, and the
    /// inferred steps placed by time.
    public func ladder(index: Int) -> Ladder {
        let ordered = Array(tail[tailStart...] + tail[..<tailStart])
        let packets = head + kept + ordered
        var changes: [UInt64: (originator: TCPState?, responder: TCPState?)] = [:]
        var timers: [(Connection.Role, TimelineTransition)] = []
        for role in Connection.Role.allCases {
            for transition in connection.timeline(role).transitions {
                guard let number = transition.packetNumber else {
                    timers.append((role, transition))
                    continue
                }
                var entry = changes[number] ?? (nil, nil)
                if role == .originator { entry.originator = transition.to } else { entry.responder = transition.to }
                changes[number] = entry
            }
        }
        timers.sort { $0.1.timestampNanoseconds < $1.1.timestampNanoseconds }
        var rows: [Ladder.Row] = []
        var timerIndex = 0
        var previousOrdinal: UInt64 = 0
        for packet in packets {
            while timerIndex < timers.count && timers[timerIndex].1.timestampNanoseconds < packet.timestampNanoseconds {
                rows.append(.timer(timers[timerIndex].0, timers[timerIndex].1))
                timerIndex += 1
            }
            if packet.ordinal > previousOrdinal + 1 { rows.append(.gap(packets: packet.ordinal - previousOrdinal - 1)) }
            previousOrdinal = packet.ordinal
            let change = changes[packet.number]
            rows.append(.packet(packet, originatorState: change?.originator, responderState: change?.responder))
        }
        while timerIndex < timers.count {
            rows.append(.timer(timers[timerIndex].0, timers[timerIndex].1))
            timerIndex += 1
        }
        return Ladder(connection: connection, index: index, rows: rows)
    }
}
