import TCPDoctorCapture
import TCPDoctorCore

/// Builds the bytes of a TCP packet on a given link type from a `TCPSegment`: link-layer header,
/// IPv4 or IPv6 header (the source address's family decides), TCP header with the segment's
/// options, and payload.
///
/// Lengths are always correct; checksums are filled in unless `computesChecksums` is off (the
/// reader never checks them, and a benchmark generator may save the time). The extra settings
/// (VLAN tags, IPv4 options, IPv6 extension headers, fragments) let tests build the packets the
/// decoder must see through.
public struct PacketBuilder: Sendable {
    /// An 802.1Q or 802.1ad tag in front of the EtherType.
    public struct VLANTag: Hashable, Sendable {
        /// 0x8100 (802.1Q), 0x88a8 (802.1ad) or 0x9100 (pre-standard QinQ).
        public var protocolIdentifier: UInt16
        /// The tag control information: priority, drop eligible, VLAN ID.
        public var controlInformation: UInt16

        public init(protocolIdentifier: UInt16 = 0x8100, vlan: UInt16) {
            self.protocolIdentifier = protocolIdentifier
            self.controlInformation = vlan & 0x0fff
        }
    }

    /// An IPv6 extension header to put between the fixed header and TCP.
    public struct IPv6ExtensionHeader: Hashable, Sendable {
        /// Its protocol number: 0 Hop-by-Hop, 43 Routing, 44 Fragment, 51 AH, 60 Destination Options.
        public var type: UInt8
        /// Its total length in bytes: a multiple of 8 (Fragment: exactly 8; AH: a multiple of 4, at least 12).
        public var length: Int

        public init(type: UInt8, length: Int = 8) {
            self.type = type
            self.length = length
        }
    }

    /// Fragment fields: the offset in 8-byte units and the More Fragments flag.
    public struct Fragment: Hashable, Sendable {
        public var offset: UInt16
        public var moreFragments: Bool

        public init(offset: UInt16, moreFragments: Bool) {
            self.offset = offset
            self.moreFragments = moreFragments
        }
    }

    public var linkType: LinkType
    public var computesChecksums = true
    /// Tags after the MAC addresses (Ethernet) or the protocol field (Linux SLL).
    public var vlanTags: [VLANTag] = []
    /// The byte order of the address family of `LINKTYPE_NULL`: that of the writing host.
    public var nullByteOrder = CaptureByteOrder.host
    /// AF_INET6 as the writing OS numbers it: 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin.
    public var nullIPv6Family: UInt32 = 10
    /// IPv4 options, padded with End of Options List to a multiple of 4 bytes (at most 40).
    public var ipv4Options: [UInt8] = []
    public var ipv6ExtensionHeaders: [IPv6ExtensionHeader] = []
    /// Makes the packet an IPv4 fragment, or fills the IPv6 Fragment extension header.
    public var fragment: Fragment?
    public var ipIdentification: UInt16 = 0
    /// IPv4 TTL and IPv6 hop limit.
    public var hopLimit: UInt8 = 64
    /// Raw TCP option bytes after those of the segment's `TCPOptionsSummary`.
    public var extraTCPOptions: [UInt8] = []

    public init(linkType: LinkType) {
        self.linkType = linkType
    }

    /// The frame for `segment`: `payload` when given, else `segment.payloadLength` zero bytes.
    public func frame(for segment: TCPSegment, payload: [UInt8]? = nil) -> [UInt8] {
        var frame: [UInt8] = []
        if let payload {
            payload.withUnsafeBytes { appendFrame(for: segment, payload: $0, to: &frame) }
        } else {
            appendFrame(for: segment, to: &frame)
        }
        return frame
    }

    /// Appends the frame for `segment` to `frame`; reuse one array to build many without allocating.
    ///
    /// - Parameter payload: the payload bytes; when nil, `segment.payloadLength` zero bytes. When
    ///   given, its count replaces `segment.payloadLength` in the IP lengths.
    public func appendFrame(for segment: TCPSegment, payload: UnsafeRawBufferPointer? = nil, to frame: inout [UInt8]) {
        let isIPv6 = segment.source.address.family == .ipv6
        let payloadLength = payload?.count ?? Int(segment.payloadLength)
        let tcpOptions = encodeOptions(segment.options)
        let tcpLength = 20 + tcpOptions.count + payloadLength
        frame.reserveCapacity(frame.count + 80 + tcpLength)
        appendLinkHeader(isIPv6: isIPv6, to: &frame)
        let ipStart = frame.count
        if isIPv6 {
            appendIPv6Header(segment, tcpLength: tcpLength, to: &frame)
        } else {
            appendIPv4Header(segment, tcpLength: tcpLength, to: &frame)
        }
        let tcpStart = frame.count
        frame.appendBigEndian(segment.source.port)
        frame.appendBigEndian(segment.destination.port)
        frame.appendBigEndian(segment.sequence)
        frame.appendBigEndian(segment.acknowledgment)
        let dataOffset = UInt16((20 + tcpOptions.count) / 4)
        frame.appendBigEndian(dataOffset << 12 | segment.flags.rawValue & 0x01ff)
        frame.appendBigEndian(segment.window)
        frame.appendBigEndian(UInt16(0))  // checksum, filled in below
        frame.appendBigEndian(UInt16(0))  // urgent pointer
        frame.append(contentsOf: tcpOptions)
        if let payload {
            frame.append(contentsOf: payload)
        } else {
            frame.append(contentsOf: repeatElement(0, count: payloadLength))
        }
        if computesChecksums {
            fillChecksums(in: &frame, ipStart: ipStart, tcpStart: tcpStart, isIPv6: isIPv6, segment: segment)
        }
    }

    private func appendLinkHeader(isIPv6: Bool, to frame: inout [UInt8]) {
        let etherType: UInt16 = isIPv6 ? 0x86dd : 0x0800
        switch linkType.rawValue {
        case 1:
            frame.append(contentsOf: [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01] as [UInt8])
            appendTags(then: etherType, to: &frame)
        case 0:
            frame.append(isIPv6 ? nullIPv6Family : 2, nullByteOrder)
        case 108:
            frame.appendBigEndian(isIPv6 ? nullIPv6Family : 2)
        case 113:
            frame.appendBigEndian(UInt16(0))  // packet type: to us
            frame.appendBigEndian(UInt16(1))  // ARPHRD_ETHER
            frame.appendBigEndian(UInt16(6))
            frame.append(contentsOf: [0x02, 0, 0, 0, 0, 0x01, 0, 0] as [UInt8])
            appendTags(then: etherType, to: &frame)
        case 276:
            frame.appendBigEndian(etherType)
            frame.appendBigEndian(UInt16(0))  // reserved
            frame.appendBigEndian(UInt32(1))  // interface index
            frame.appendBigEndian(UInt16(1))  // ARPHRD_ETHER
            frame.append(0)  // packet type: to us
            frame.append(6)
            frame.append(contentsOf: [0x02, 0, 0, 0, 0, 0x01, 0, 0] as [UInt8])
        default:
            break  // raw IP: no link-layer header
        }
    }

    private func appendTags(then etherType: UInt16, to frame: inout [UInt8]) {
        for tag in vlanTags {
            frame.appendBigEndian(tag.protocolIdentifier)
            frame.appendBigEndian(tag.controlInformation)
        }
        frame.appendBigEndian(etherType)
    }
}
