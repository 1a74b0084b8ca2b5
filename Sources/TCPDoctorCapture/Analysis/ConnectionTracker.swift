import TCPDoctorCore

/// The analysis state of one open connection: both endpoints replayed through the state machine.
///
/// Side 0 is the originator, side 1 the responder. Each segment is applied twice, as the capture
/// point sees it: first to its sender (what the sender must have done to send it: `connect()` for
/// a SYN, `close()` for a FIN, an abort or an answer for a RST), then to its receiver (the segment
/// event from `TCPStateMachine`). Acknowledgment numbers correct the instant-delivery assumption
/// where it would mislead: see `senderFIN` for crossing FINs and `senderRST` for late FINs.
struct ConnectionTracker {
    // Stored in this order on purpose: what every packet reads first (the lookup's key, the
    // times, the flags) fills the record's first 64 bytes, one cache line.
    var key: FlowKey
    var lastTime: Int64
    var lastPacket: UInt64
    /// Nonzero while the slot is in use; bumped on every reuse so stale expiry entries are ignored.
    var generation: UInt32
    var originatorIsA: Bool
    /// Queued for expiry in the analyzer.
    var queued = false
    var resetSeen = false
    var completeness: UInt8 = 0

    var sides: InlineArray<2, SideTracker>
    var history = ZeekHistory()
    var hash: UInt64
    var basis: Connection.OriginatorBasis
    var startedMidStream: Bool
    /// The originator's SYN was seen and the responder has not sent anything yet: whether it was
    /// listening is unknown until it answers.
    var responderPending = false
    var refused = false
    var firstTime: Int64
    var firstPacket: UInt64
    var pendingSYNTime: Int64 = 0
    var pendingSYNPacket: UInt64 = 0
    /// Zeek takes the analysis's responder as its originator (see `ZeekOrientation`).
    var zeekSwapped = false
    var tunnel: Tunnel?

    var reset = ResetRecord()
    var lateFIN = LateFINRecord()
    var timeline = TimelineBuffer()

    struct ResetRecord {
        var side: UInt8 = 0
        var senderState: TCPState = .closed
        var receiverState: TCPState = .closed
        var answered: TCPEvent?
        var afterBothFINs = false
        var time: Int64 = 0
        var packet: UInt64 = 0
    }

    struct LateFINRecord {
        var present = false
        var side: UInt8 = 0
        var forgottenIn: TCPState = .finWait2
        var gap: Int64 = 0
    }

    /// A tracker for the connection whose first captured segment is `segment`.
    ///
    /// Inlined, so that `TrackerSlab.record(toReuse:)` gets it built in the slab's record itself.
    @inline(__always)
    init(key: FlowKey, hash: UInt64, generation: UInt32, first segment: TCPSegment, sourceIsA: Bool) {
        self.key = key
        self.hash = hash
        self.generation = generation
        self.firstTime = segment.timestampNanoseconds
        self.lastTime = segment.timestampNanoseconds
        self.firstPacket = segment.packetNumber
        self.lastPacket = segment.packetNumber
        let syn = segment.flags.contains(.syn)
        let ack = segment.flags.contains(.ack)
        let sourceIsOriginator: Bool
        if syn && !ack {
            sourceIsOriginator = true
            basis = .syn
            startedMidStream = false
            sides = [SideTracker(state: .closed), SideTracker(state: .listen)]
        } else if syn {
            // The SYN was missed: both ends are already half-way through the handshake.
            sourceIsOriginator = false
            basis = .synACK
            startedMidStream = true
            sides = [SideTracker(state: .synSent), SideTracker(state: .synReceived)]
        } else {
            let guess = OriginatorGuess.guess(
                sourcePort: segment.source.port,
                destinationPort: segment.destination.port
            )
            sourceIsOriginator = guess.sourceIsOriginator
            basis = guess.basis
            startedMidStream = true
            sides = [SideTracker(state: .established), SideTracker(state: .established)]
        }
        self.originatorIsA = sourceIsOriginator == sourceIsA
        self.tunnel = segment.tunnel
    }

    /// Applies one segment; `fromOriginator` says which side sent it, `zeek` whether to follow
    /// Zeek's history and endpoint states too.
    mutating func process(_ segment: TCPSegment, fromOriginator: Bool, finTimeout: Int64, zeek: Bool) {
        let s = fromOriginator ? 0 : 1
        let r = 1 - s
        let time = segment.timestampNanoseconds
        if time > lastTime { lastTime = time }
        if segment.packetNumber > lastPacket { lastPacket = segment.packetNumber }
        let flags = segment.flags
        let syn = flags.contains(.syn)
        let ack = flags.contains(.ack)
        let fin = flags.contains(.fin)
        let rst = flags.contains(.rst)

        completeness |= Self.completenessBits(
            flags: flags,
            payload: segment.payloadLength,
            first: sides[0].packets == 0 && sides[1].packets == 0
        )
        if zeek { recordZeek(segment, side: s) }
        sides[s].packets &+= 1
        // A RST's sequence number and payload are not part of the stream (RFC 9293 section 3.5.3).
        if !rst { trackSequence(segment, side: s, syn: syn, fin: fin, ack: ack) }

        // An ACK, with or without data, between two ESTABLISHED endpoints, the receiver without a
        // FIN: no timer can have run out and no state changes, so what `receive` notes of it is
        // all that is left. Most segments of a long connection are such, and the checks below
        // were 3.6% of the instructions of the analysis even of a capture of short connections.
        if ack && !syn && !fin && !rst && sides[s].state == .established && sides[r].state == .established
            && !sides[r].hasFIN && !responderPending
        {
            noteReceipt(segment, side: r)
            sides[r].lastReceivedEvent = .receiveACK
            sides[s].lastSentPacket = segment.packetNumber
            return
        }

        expireTimeWait(side: r, now: time)
        expireTimeWait(side: s, now: time)

        var rstHandled = false
        var receivePendingSYNAfterSend = false
        if s == 1 && responderPending {
            responderPending = false
            if rst && !syn {
                refuse(segment)
                rstHandled = true
            } else if syn && !ack {
                sides[1].state = .closed
                sides[1].initialState = .closed
                receivePendingSYNAfterSend = true
            } else {
                apply(side: 1, .receiveSYN, time: pendingSYNTime, packet: pendingSYNPacket)
            }
        }

        if syn { senderSYN(segment, side: s, ack: ack) }
        if !syn && !rst && ack && sides[s].state == .synSent {
            // The SYN+ACK this ACK answers was not captured; the sender must have received it.
            apply(side: s, .receiveSYNACK, time: time, packet: segment.packetNumber, inferred: true)
        }
        if fin { senderFIN(segment, side: s, syn: syn, ack: ack) }
        if rst && !rstHandled { senderRST(segment, side: s, finTimeout: finTimeout) }
        if receivePendingSYNAfterSend {
            apply(side: 1, .receiveSYN, time: time, packet: pendingSYNPacket)
        }

        receive(segment, side: r, syn: syn, ack: ack, fin: fin, rst: rst)
        sides[s].lastSentPacket = segment.packetNumber
    }

    /// Wireshark's completeness bits for one segment (see `Completeness` for the rules).
    @inline(__always)
    static func completenessBits(flags: TCPFlags, payload: UInt32, first: Bool) -> UInt8 {
        let syn = flags.contains(.syn)
        let ack = flags.contains(.ack)
        if first {
            guard syn && !ack else { return 0 }
            return Completeness.syn.rawValue | (payload > 0 ? Completeness.data.rawValue : 0)
        }
        var bits: UInt8 = 0
        if syn && ack { bits |= Completeness.synACK.rawValue }
        if ack && !syn { bits |= payload > 0 ? Completeness.data.rawValue : Completeness.ack.rawValue }
        if ack && flags.contains(.fin) { bits |= Completeness.fin.rawValue }
        if flags.contains(.rst) { bits |= Completeness.rst.rawValue }
        return bits
    }

    /// Byte counts, the highest sequence number, data after the peer's FIN, and the first
    /// acknowledgment of the peer's FIN.
    private mutating func trackSequence(_ segment: TCPSegment, side s: Int, syn: Bool, fin: Bool, ack: Bool) {
        let start = syn ? segment.sequence &+ 1 : segment.sequence
        let payloadEnd = start &+ segment.payloadLength
        let end = fin ? payloadEnd &+ 1 : payloadEnd
        if segment.payloadLength > 0 {
            var newBytes = segment.payloadLength
            if sides[s].hasNextSequence {
                if sequenceLessOrEqual(payloadEnd, sides[s].nextSequence) {
                    newBytes = 0
                } else if sequenceLess(start, sides[s].nextSequence) {
                    newBytes = payloadEnd &- sides[s].nextSequence
                }
            }
            sides[s].bytes &+= UInt64(newBytes)
            if newBytes > 0 && sides[1 - s].hasFIN {
                sides[s].bytesAfterPeerFIN &+= UInt64(newBytes)
                sides[s].lastDataAfterPeerFINTime = segment.timestampNanoseconds
            }
        }
        if !sides[s].hasNextSequence || sequenceLess(sides[s].nextSequence, end) {
            sides[s].nextSequence = end
            sides[s].hasNextSequence = true
        }
        if ack && !sides[s].ackedPeerFIN && sides[1 - s].hasFIN
            && sequenceLessOrEqual(sides[1 - s].finSequence &+ 1, segment.acknowledgment)
        {
            sides[s].ackedPeerFIN = true
            sides[s].ackedPeerFINTime = segment.timestampNanoseconds
            sides[s].ackedPeerFINWithFIN = fin
        }
    }

    /// Fires TIME_WAIT's 60 s timer if it ran out before `now`. Inlined: it runs twice per packet
    /// and almost always finds no TIME_WAIT.
    @inline(__always)
    private mutating func expireTimeWait(side i: Int, now: Int64) {
        guard sides[i].state == .timeWait else { return }
        let expiry = sides[i].timeWaitEnteredAt &+ Self.timeWaitNanoseconds
        if now >= expiry { apply(side: i, .timeWaitTimeout, time: expiry, packet: 0, inferred: true) }
    }

    /// `TCPStateMachine.timeWaitDuration` (Linux's `TCP_TIMEWAIT_LEN`) in nanoseconds, written out:
    /// a constant computed from it is a lazily initialised global, and reading one costs a
    /// `swift_once` call, twice per packet here. A test checks that the two agree.
    static let timeWaitNanoseconds: Int64 = 60_000_000_000

    /// Applies `event` to side `i` through the state machine and records the step.
    ///
    /// Self-loops are not recorded (they are answers; `senderRST` records those that matter), but
    /// a FIN arriving again in TIME_WAIT restarts its timer, as Linux does.
    @discardableResult
    mutating func apply(side i: Int, _ event: TCPEvent, time: Int64, packet: UInt64, inferred: Bool = false) -> Bool {
        let from = sides[i].state
        guard let to = StateEdges.target(from: from, on: event) else { return false }
        if to == from {
            if from == .timeWait && (event == .receiveFIN || event == .receiveFINACKOfFIN) {
                sides[i].timeWaitEnteredAt = time
            }
            return true
        }
        record(side: i, from: from, to: to, event: event, time: time, packet: packet, inferred: inferred)
        sides[i].state = to
        if to == .finWait2 { sides[i].finWait2EnteredAt = time }
        if to == .timeWait { sides[i].timeWaitEnteredAt = time }
        return true
    }

    mutating func record(
        side i: Int,
        from: TCPState,
        to: TCPState,
        event: TCPEvent,
        time: Int64,
        packet: UInt64,
        inferred: Bool
    ) {
        timeline.append(
            TimelineBuffer.Entry(
                timestamp: time,
                packetNumber: packet,
                from: from,
                to: to,
                event: event,
                flags: UInt8(i) | (inferred ? 2 : 0)
            )
        )
    }
}
