import TCPDoctorCore

/// Decodes captured frames down to TCP segments: link layer, IPv4 or IPv6, TCP.
///
/// Pure functions over the captured bytes. Every length field is checked against both the
/// captured bytes and the original length before use: a header missing only because of the
/// snaplen is `.truncated`, one that could not fit even in the original frame is `.malformed`.
/// Payload lengths come from the IP header, not from the captured bytes, so a small snaplen still
/// gives correct sequence arithmetic. Checksums are not verified: captures taken on the sending
/// host see them before the NIC fills them in.
public enum PacketDecoder {
    /// What the link layer says comes next.
    enum Network: Equatable {
        case ipv4
        case ipv6
        /// Raw IP: the version nibble decides.
        case byVersion
        /// After an MPLS label stack: the version nibble decides, and anything else is not IP.
        case guessIP
        /// Not IP.
        case other
        /// A link-layer fragment (ARCNET's RFC 1201 split packets): not reassembled.
        case fragment
        /// The link-layer header (VLAN tags included) needs this many bytes that were not captured.
        case cutShort(needed: Int)
    }

    /// Decodes one packet delivered by `CaptureReader`.
    public static func decode(_ packet: CapturePacket) -> DecodedPacket {
        decode(
            packet.bytes,
            linkType: packet.linkType,
            originalLength: Int(packet.originalLength),
            timestampNanoseconds: packet.timestampNanoseconds,
            packetNumber: packet.packetNumber
        )
    }

    /// Decodes a frame of `linkType` from its captured bytes.
    ///
    /// - Parameters:
    ///   - bytes: the captured bytes, from the link-layer header on.
    ///   - originalLength: the frame's length on the wire; taken as at least `bytes.count`.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer,
        linkType: LinkType,
        originalLength: Int,
        timestampNanoseconds: Int64,
        packetNumber: UInt64
    ) -> DecodedPacket {
        var segment = TCPSegment.zero
        segment.timestampNanoseconds = timestampNanoseconds
        segment.packetNumber = packetNumber
        if decodeCommon(bytes, linkType: linkType, originalLength: originalLength, into: &segment) {
            return .tcp(segment)
        }
        let outcome = decode(bytes, linkType: linkType, originalLength: originalLength, into: &segment)
        return DecodedPacket(outcome, segment: segment)
    }

    /// Decodes a frame into a segment the caller owns and reuses: the fast path.
    ///
    /// Fills every field of `segment` except `timestampNanoseconds` and `packetNumber`, which the
    /// caller sets; on any outcome but `.tcp` the segment's contents are unspecified.
    ///
    /// - Parameters:
    ///   - bytes: the captured bytes, from the link-layer header on.
    ///   - originalLength: the frame's length on the wire; taken as at least `bytes.count`.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer,
        linkType: LinkType,
        originalLength: Int,
        into segment: inout TCPSegment
    ) -> PacketOutcome {
        let frame = Frame(bytes: bytes, originalLength: max(originalLength, bytes.count))
        segment.tunnel = nil
        var offset = 0
        var network = Network.other
        switch linkType.rawValue {
        case 1:  // ETHERNET: destination, source, EtherType; then any 802.1Q / 802.1ad tags.
            guard frame.has(14) else { return frame.short(14, linkHeaderOf: linkType) }
            (network, offset) = frame.etherType(at: 12, payloadAt: 14)
        case 0, 108:  // NULL / LOOP: a 4-byte address family.
            guard frame.has(4) else { return frame.short(4, linkHeaderOf: linkType) }
            network = nullFamily(frame.bytes.uint32(0, swapped: false), networkOrder: linkType.rawValue == 108)
            offset = 4
        case 12, 14, 101:  // RAW
            network = .byVersion
        case 113:  // LINUX_SLL: packet type, ARPHRD, address length, 8 address bytes, protocol.
            guard frame.has(16) else { return frame.short(16, linkHeaderOf: linkType) }
            (network, offset) = frame.etherType(at: 14, payloadAt: 16)
        case 276:  // LINUX_SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address.
            guard frame.has(20) else { return frame.short(20, linkHeaderOf: linkType) }
            (network, offset) = frame.etherType(at: 0, payloadAt: 20)
        case 228:
            network = .ipv4
        case 229:
            network = .ipv6
        case 7, 9, 50, 105, 127, 129, 178, 242:
            (network, offset) = frame.otherLinkHeader(linkType)
        default:
            return .unsupportedLinkType
        }
        return decodeNetwork(frame, network, at: offset, linkType: linkType, into: &segment)
    }

    /// Decodes what the link layer (or a tunnel's inner frame) announced at `offset`.
    static func decodeNetwork(
        _ frame: Frame,
        _ announced: Network,
        at offset: Int,
        linkType: LinkType,
        into segment: inout TCPSegment
    ) -> PacketOutcome {
        var network = announced
        if network == .byVersion || network == .guessIP {
            guard frame.has(offset + 1) else { return frame.short(offset + 1, linkHeaderOf: linkType) }
            let version = frame.bytes.byte(offset) >> 4
            switch version {
            case 4: network = .ipv4
            case 6: network = .ipv6
            default:
                if network == .guessIP { return .notTCP }
                return .malformed(.unknownIPVersion(linkType: linkType, version: version))
            }
        }
        switch network {
        case .ipv4: return decodeIPv4(frame, at: offset, into: &segment)
        case .ipv6: return decodeIPv6(frame, at: offset, into: &segment)
        case .cutShort(let needed): return frame.short(needed, linkHeaderOf: linkType)
        case .fragment: return .fragment
        case .byVersion, .guessIP, .other: return .notTCP
        }
    }

    /// The network protocol of a BSD loopback address family.
    ///
    /// `LINKTYPE_NULL` stores the family in the writer's byte order, so a value too large for a
    /// family is read the other way round. AF_INET6 differs by OS: 10 Linux, 24 NetBSD/OpenBSD,
    /// 28 FreeBSD, 30 Darwin.
    static func nullFamily(_ raw: UInt32, networkOrder: Bool) -> Network {
        var family = networkOrder ? UInt32(bigEndian: raw) : raw
        if family > 0xffff { family = family.byteSwapped }
        switch family {
        case 2: return .ipv4
        case 10, 24, 28, 30: return .ipv6
        default: return .other
        }
    }
}

extension TCPSegment {
    /// A segment of zeros, for decoders to fill in.
    public static let zero = TCPSegment(
        timestampNanoseconds: 0,
        packetNumber: 0,
        source: Endpoint(address: .ipv4Any, port: 0),
        destination: Endpoint(address: .ipv4Any, port: 0),
        sequence: 0,
        acknowledgment: 0,
        flags: [],
        window: 0,
        payloadLength: 0
    )
}

/// The captured bytes of a frame with its original length, and the bounds checks the decoders share.
struct Frame {
    let bytes: UnsafeRawBufferPointer
    /// At least `bytes.count`.
    let originalLength: Int
    /// How many tunnels were opened to reach this frame.
    var depth: UInt8 = 0

    /// Whether the first `count` bytes were captured.
    @inline(__always)
    func has(_ count: Int) -> Bool {
        count <= bytes.count
    }

    /// The verdict for a header that needs `count` bytes that were not captured: truncated when
    /// the original frame had them, malformed when even it was too short.
    func short(_ count: Int, linkHeaderOf linkType: LinkType) -> PacketOutcome {
        count <= originalLength
            ? .truncated : .malformed(.linkHeaderTooShort(linkType: linkType, length: originalLength))
    }

    /// Reads an EtherType at `offset` and steps over the link-layer stacks after it; returns the
    /// network protocol and where its header starts.
    ///
    /// Stacks, as Zeek and tshark open them: 802.1Q (0x8100), 802.1ad (0x88a8) and the old QinQ
    /// (0x9100) tags of 4 bytes; VN-Tag (0x8926), 4 bytes before the next EtherType; PBB (802.1ah,
    /// 0x88e7), a 4-byte I-TAG and the customer's MAC addresses; PPPoE session (0x8864), 6 bytes and
    /// a PPP protocol; MPLS (0x8847, 0x8848), labels up to the bottom of the stack, then IP by its
    /// version nibble. Each step moves forward and checks the captured length, so the walk ends.
    @inline(__always)
    func etherType(at offset: Int, payloadAt payload: Int) -> (PacketDecoder.Network, Int) {
        var type = bytes.bigEndianUInt16(offset)
        var start = payload
        while true {
            switch type {
            case 0x0800: return (.ipv4, start)
            case 0x86dd: return (.ipv6, start)
            case 0x8100, 0x88a8, 0x9100:
                // TCI, then the next EtherType.
                guard has(start + 4) else { return (.cutShort(needed: start + 4), start) }
                type = bytes.bigEndianUInt16(start + 2)
                start += 4
            case 0x8926:
                guard has(start + 6) else { return (.cutShort(needed: start + 6), start) }
                type = bytes.bigEndianUInt16(start + 4)
                start += 6
            case 0x88e7:
                guard has(start + 18) else { return (.cutShort(needed: start + 18), start) }
                type = bytes.bigEndianUInt16(start + 16)
                start += 18
            case 0x8864:
                // Version/type, code, session, length; then the PPP protocol.
                guard has(start + 8) else { return (.cutShort(needed: start + 8), start) }
                return (PacketDecoder.pppProtocol(bytes.bigEndianUInt16(start + 6)), start + 8)
            case 0x8847, 0x8848:
                return mplsPayload(at: start)
            default:
                return (.other, start)
            }
        }
    }

    /// Steps over an MPLS label stack (4 bytes each, bottom of stack in bit 8 of the third byte).
    func mplsPayload(at offset: Int) -> (PacketDecoder.Network, Int) {
        var start = offset
        while true {
            guard has(start + 4) else { return (.cutShort(needed: start + 4), start) }
            let bottom = bytes.byte(start + 2) & 0x01 != 0
            start += 4
            if bottom { return (.guessIP, start) }
        }
    }
}
