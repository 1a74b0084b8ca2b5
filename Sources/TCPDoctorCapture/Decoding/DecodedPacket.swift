/// What the decoder made of one captured packet, the segment aside.
///
/// The hot path decodes into a caller-owned `TCPSegment` and returns only this, so that no
/// segment-sized value is copied through return slots per packet.
public enum PacketOutcome: Hashable, Sendable {
    /// A TCP segment to analyse, now in the caller's segment.
    case tcp
    /// An IP packet of another protocol, or a frame that carries no IP at all (ARP, LLC).
    case notTCP
    /// An IPv4 or IPv6 fragment: not reassembled, so neither the first (More Fragments set) nor a
    /// later one is analysed as a segment.
    case fragment
    /// The snaplen cut the packet before the end of its TCP header (or of a header before it).
    case truncated
    /// A header contradicts itself or the frame's length; the problem says which.
    case malformed(PacketProblem)
    /// The packet's link type is one the decoder does not understand.
    case unsupportedLinkType
}

/// What the decoder made of one captured packet, with the segment when there is one.
public enum DecodedPacket: Hashable, Sendable {
    /// A TCP segment to analyse.
    case tcp(TCPSegment)
    /// An IP packet of another protocol, or a frame that carries no IP at all (ARP, LLC).
    case notTCP
    /// An IPv4 or IPv6 fragment: not reassembled, so neither the first (More Fragments set) nor a
    /// later one is analysed as a segment.
    case fragment
    /// The snaplen cut the packet before the end of its TCP header (or of a header before it).
    case truncated
    /// A header contradicts itself or the frame's length; the problem says which.
    case malformed(PacketProblem)
    /// The packet's link type is one the decoder does not understand.
    case unsupportedLinkType
}

/// Why a packet was judged malformed; the description is a sentence for a warning.
extension DecodedPacket {
    init(_ outcome: PacketOutcome, segment: TCPSegment) {
        switch outcome {
        case .tcp: self = .tcp(segment)
        case .notTCP: self = .notTCP
        case .fragment: self = .fragment
        case .truncated: self = .truncated
        case .malformed(let problem): self = .malformed(problem)
        case .unsupportedLinkType: self = .unsupportedLinkType
        }
    }
}

public enum PacketProblem: Hashable, Sendable, CustomStringConvertible {
    /// The frame is shorter, even on the wire, than the link-layer header of its type.
    case linkHeaderTooShort(linkType: LinkType, length: Int)
    /// A raw-IP link type carries a version nibble other than 4 or 6.
    case unknownIPVersion(linkType: LinkType, version: UInt8)
    /// The frame ends, even on the wire, before the fixed IPv4 (20) or IPv6 (40) header does.
    case ipHeaderTooShort(version: UInt8, length: Int)
    /// The link layer announced one IP version and the header has another.
    case ipVersionMismatch(expected: UInt8, found: UInt8)
    /// The IPv4 header length (IHL × 4) is below 20 or above the packet's total length.
    case ipv4HeaderLength(headerLength: Int, totalLength: Int)
    /// The IPv4 total length exceeds what the frame holds.
    case ipv4TotalLength(totalLength: Int, available: Int)
    /// The IPv6 payload length exceeds what the frame holds.
    case ipv6PayloadLength(payloadLength: Int, available: Int)
    /// An IPv6 extension header runs past the payload length.
    case ipv6ExtensionHeader(nextHeader: UInt8, remaining: Int)
    /// The IP payload is too short for a 20-byte TCP header.
    case tcpSegmentTooShort(length: Int)
    /// The TCP data offset is below 5 words or beyond the segment.
    case tcpDataOffset(headerLength: Int, segmentLength: Int)

    public var description: String {
        switch self {
        case .linkHeaderTooShort(let linkType, let length):
            "the \(length)-byte frame is shorter than a \(linkType) link-layer header"
        case .unknownIPVersion(let linkType, let version):
            "\(linkType) packet has IP version \(version), neither 4 nor 6"
        case .ipHeaderTooShort(let version, let length):
            "the \(length) bytes after the link-layer header are too short for an IPv\(version) header"
        case .ipVersionMismatch(let expected, let found):
            "the link layer announces IPv\(expected) but the header has version \(found)"
        case .ipv4HeaderLength(let headerLength, let totalLength):
            "IPv4 header length \(headerLength) is below 20 or above the total length \(totalLength)"
        case .ipv4TotalLength(let totalLength, let available):
            "IPv4 total length \(totalLength) exceeds the \(available) bytes the frame holds"
        case .ipv6PayloadLength(let payloadLength, let available):
            "IPv6 payload length \(payloadLength) exceeds the \(available) bytes the frame holds after the header"
        case .ipv6ExtensionHeader(let nextHeader, let remaining):
            "IPv6 extension header \(nextHeader) runs past the payload (\(remaining) bytes left)"
        case .tcpSegmentTooShort(let length):
            "the \(length)-byte IP payload is too short for a TCP header"
        case .tcpDataOffset(let headerLength, let segmentLength):
            "TCP header length \(headerLength) is below 20 or beyond the \(segmentLength)-byte segment"
        }
    }
}
