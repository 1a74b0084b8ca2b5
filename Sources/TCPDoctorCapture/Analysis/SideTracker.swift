import TCPDoctorCore

/// Everything the analysis keeps about one endpoint of an open connection.
///
/// Plain stored values only (no references), so a connection is a flat record that the analyzer
/// keeps in one contiguous slab and frees by reusing its slot.
struct SideTracker {
    // The fields most packets read come first: with the flags above them they fill 64 bytes.

    /// The endpoint's state in the RFC 9293 model, as observed at the capture point.
    var state: TCPState
    var initialState: TCPState
    var zeekState: ZeekEndpointState = .inactive
    var zeekPreviousState: ZeekEndpointState = .inactive

    var hasISN = false
    var hasFIN = false
    var hasNextSequence = false
    /// The endpoint's first FIN was sent before it had received the peer's FIN.
    var finActive = false
    /// The endpoint has acknowledged the peer's FIN.
    var ackedPeerFIN = false
    /// That first acknowledgment of the peer's FIN was carried by the endpoint's own FIN.
    var ackedPeerFINWithFIN = false
    /// The payload of the last segment this endpoint received was non-empty.
    var lastReceivedHadPayload = false
    var lastReceivedEvent: TCPEvent = .receiveACK

    var initialSequence: UInt32 = 0
    /// Sequence number of the FIN itself (after the FIN segment's payload).
    var finSequence: UInt32 = 0
    /// One past the highest sequence number sent so far (payload, SYN and FIN included).
    var nextSequence: UInt32 = 0

    var packets: UInt64 = 0
    var bytes: UInt64 = 0
    var lastSentPacket: UInt64 = 0
    var lastReceivedTime: Int64 = 0
    var lastReceivedPacket: UInt64 = 0

    var zeek = ZeekEndpointHistory()

    var synRetransmissions: UInt32 = 0
    var finRetransmissions: UInt32 = 0
    var finTime: Int64 = 0
    var finPacket: UInt64 = 0
    var ackedPeerFINTime: Int64 = 0
    var finWait2EnteredAt: Int64 = 0
    var timeWaitEnteredAt: Int64 = 0
    var bytesAfterPeerFIN: UInt64 = 0
    /// IP bytes of the packets the endpoint sent (Zeek's `ip_bytes`), counted with Zeek's columns.
    var ipBytes: UInt64 = 0
    var lastDataAfterPeerFINTime: Int64 = 0

    init(state: TCPState) {
        self.state = state
        self.initialState = state
    }
}

/// Zeek's per-endpoint states (`TCP_ENDPOINT_*`), driven by what the endpoint sends.
enum ZeekEndpointState: UInt8 {
    case inactive
    case synSent
    case synAckSent
    case partial
    case established
    case closed
    case reset
}

/// The per-endpoint counters behind Zeek's history letters.
struct ZeekEndpointHistory {
    // Widest first, so that the record has no padding inside: every open connection holds two.

    /// Bytes of this endpoint's stream acknowledged by the peer but never captured.
    var missedBytes: UInt64 = 0
    var lastSYN: UInt32 = 0
    var lastFIN: UInt32 = 0
    var lastRST: UInt32 = 0
    var retransmissions: UInt32 = 0
    var zeroWindows: UInt32 = 0
    var gaps: UInt32 = 0
    /// The end of the last content gap noted in this endpoint's stream: a later acknowledgment
    /// below it opens no new gap.
    var gapEnd: UInt32 = 0
    /// A hole in this endpoint's stream, from `holeStart` to `holeEnd`, not yet filled or acknowledged.
    var holeStart: UInt32 = 0
    var holeEnd: UInt32 = 0
    /// Letters already recorded once: bit per `Mark`.
    var seen: UInt8 = 0
    var hasGapEnd = false
    var hasHole = false

    enum Mark: UInt8 {
        case syn = 1
        case fin = 2
        case rst = 4
        case ack = 8
        case data = 16
        case inconsistent = 32
        case multiFlag = 64
    }

    /// Counts a retransmission; true when Zeek would add a `t` (1st, 10th, 100th... time).
    mutating func countRetransmission() -> Bool { Self.scaled(&retransmissions) }

    /// Counts a content gap; true when Zeek would add a `g`.
    mutating func countGap() -> Bool { Self.scaled(&gaps) }

    /// Counts a zero window; true when Zeek would add a `w`.
    mutating func countZeroWindow() -> Bool { Self.scaled(&zeroWindows) }

    /// Counts one more; true when the count reaches a power of ten. The count saturates, so the
    /// letters stop at 10^9 rather than starting again.
    private static func scaled(_ count: inout UInt32) -> Bool {
        guard count < .max else { return false }
        count += 1
        var power: UInt32 = 1
        while power < count && power <= UInt32.max / 10 { power *= 10 }
        return power == count
    }

    /// Zeek's `CheckHistory`: marks the first sighting and reports whether it was seen before.
    mutating func checkSeen(_ mark: Mark) -> (seenBefore: Bool, firstTime: Bool) {
        if seen & mark.rawValue != 0 { return (true, false) }
        seen |= mark.rawValue
        return (false, true)
    }
}

/// Sequence-space comparisons modulo 2^32 (RFC 9293 section 3.4).
@inline(__always)
func sequenceLess(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }

@inline(__always)
func sequenceLessOrEqual(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) <= 0 }
