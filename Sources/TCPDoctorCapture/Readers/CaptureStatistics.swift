/// Counts of what the reader and decoder saw: every packet lands in exactly one of the outcome
/// counters, so `tcpSegments + nonTCP + fragments + truncated + malformed + unsupportedLinkType`
/// equals `packets`.
public struct CaptureStatistics: Hashable, Sendable {
    /// Files read to the end (or to a truncated tail).
    public var files = 0
    public var packets: UInt64 = 0
    /// Bytes captured, summed over packets (link-layer headers included).
    public var capturedBytes: UInt64 = 0
    /// Packets decoded into a `TCPSegment`.
    public var tcpSegments: UInt64 = 0
    /// IP packets of other protocols and non-IP frames.
    public var nonTCP: UInt64 = 0
    /// IPv4 or IPv6 fragments, counted and not reassembled.
    public var fragments: UInt64 = 0
    /// Packets whose headers up to the end of the TCP header were cut by the snaplen.
    public var truncated: UInt64 = 0
    /// Packets with contradictory headers.
    public var malformed: UInt64 = 0
    /// Packets of link types the decoder does not understand.
    public var unsupportedLinkType: UInt64 = 0

    public init() {}

    /// Counts one decoded packet of `capturedLength` bytes.
    @inline(__always)
    public mutating func count(_ outcome: PacketOutcome, capturedLength: Int) {
        packets += 1
        capturedBytes += UInt64(capturedLength)
        switch outcome {
        case .tcp: tcpSegments += 1
        case .notTCP: nonTCP += 1
        case .fragment: fragments += 1
        case .truncated: truncated += 1
        case .malformed: malformed += 1
        case .unsupportedLinkType: unsupportedLinkType += 1
        }
    }

    /// Adds the counts of another file.
    public mutating func add(_ other: CaptureStatistics) {
        files += other.files
        packets += other.packets
        capturedBytes += other.capturedBytes
        tcpSegments += other.tcpSegments
        nonTCP += other.nonTCP
        fragments += other.fragments
        truncated += other.truncated
        malformed += other.malformed
        unsupportedLinkType += other.unsupportedLinkType
    }
}
