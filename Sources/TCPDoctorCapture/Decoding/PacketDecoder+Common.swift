import TCPDoctorCore

extension PacketDecoder {
    /// Decodes the frames that make up nearly every capture into `segment`, or returns false and
    /// leaves them to the general decoder.
    ///
    /// The common case is Ethernet without VLAN tags, Linux cooked v1 or v2, or raw IP; then IPv4
    /// without options or IPv6 without extension headers; then a whole TCP header. For these the
    /// result equals what `decode(_:linkType:originalLength:into:)` gives, but every length is
    /// checked once up front, every field is read with one unaligned load and stored straight
    /// into the caller's segment, and no outcome value is built. Anything else (fragments, other
    /// protocols, IP options, tags, truncated or malformed headers, other link types) returns
    /// false before `segment` is touched, and the general decoder then gives its verdict.
    ///
    /// Fills every field of `segment` except `timestampNanoseconds` and `packetNumber`.
    ///
    /// - Parameters:
    ///   - bytes: the captured bytes, from the link-layer header on.
    ///   - originalLength: the frame's length on the wire; taken as at least `bytes.count`.
    @inline(__always)
    static func decodeCommon(
        _ bytes: UnsafeRawBufferPointer,
        linkType: LinkType,
        originalLength: Int,
        into segment: inout TCPSegment
    ) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let captured = bytes.count
        // Where the IP header starts, and which IP versions the link layer allows there. Each
        // case checks for the smallest IPv4 header and a TCP header after its own link header;
        // a captured length is at most the 16 MiB block limit, so no sum below overflows.
        let ip: Int
        let allowed: IPVersions
        if linkType.rawValue == 1 {
            // ETHERNET, tested apart from the switch because nearly every capture has it.
            guard captured >= 54 else { return false }
            ip = 14
            allowed = IPVersions(etherType: base.loadUnaligned(fromByteOffset: 12, as: UInt16.self))
        } else {
            switch linkType.rawValue {
            case 113:  // LINUX_SLL
                ip = 16
                guard captured >= ip &+ 40 else { return false }
                allowed = IPVersions(etherType: base.loadUnaligned(fromByteOffset: 14, as: UInt16.self))
            case 276:  // LINUX_SLL2
                ip = 20
                guard captured >= ip &+ 40 else { return false }
                allowed = IPVersions(etherType: base.loadUnaligned(fromByteOffset: 0, as: UInt16.self))
            case 12, 14, 101:  // RAW
                ip = 0
                allowed = .either
            case 228:  // IPV4
                ip = 0
                allowed = .ipv4
            case 229:  // IPV6
                ip = 0
                allowed = .ipv6
            default:
                return false
            }
            guard captured >= ip &+ 40 else { return false }
        }
        let wire = max(originalLength, captured)
        let first = base.load(fromByteOffset: ip, as: UInt8.self)
        // The checks first and the loads of what the segment copies last, so that few values
        // live across the branches.
        let tcp: Int
        let tcpLength: Int
        let isIPv6: Bool
        if first == 0x45 && allowed.contains(.ipv4) {
            // IPv4 with a 20-byte header.
            tcp = ip &+ 20
            isIPv6 = false
            let fragmentAndProtocol = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: ip &+ 6, as: UInt32.self))
            // Flags and fragment offset, TTL, protocol: not a fragment (offset 0, More Fragments
            // clear), and TCP.
            guard fragmentAndProtocol & 0x3fff_00ff == 6 else { return false }
            let available = wire &- ip
            var totalLength = Int(UInt16(bigEndian: base.loadUnaligned(fromByteOffset: ip &+ 2, as: UInt16.self)))
            if totalLength == 0 {
                // Segmentation offload: see `decodeIPv4`.
                totalLength = available
            } else if totalLength > available {
                return false
            }
            // Negative for a total length below 20, which the TCP header check below rejects.
            tcpLength = totalLength &- 20
        } else if first >> 4 == 6 && allowed.contains(.ipv6) {
            // IPv6 whose next header is TCP: no extension headers.
            tcp = ip &+ 40
            isIPv6 = true
            guard captured >= tcp &+ 20 else { return false }
            // Payload length, next header, hop limit.
            let lengthAndNext = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: ip &+ 4, as: UInt32.self))
            guard (lengthAndNext >> 8) & 0xff == 6 else { return false }
            let available = wire &- tcp
            var payloadLength = Int(lengthAndNext >> 16)
            if payloadLength == 0 {
                // A jumbogram or BIG TCP: see `decodeIPv6`.
                payloadLength = available
            } else if payloadLength > available {
                return false
            }
            tcpLength = payloadLength
        } else {
            return false
        }
        // TCP data offset, flags and window.
        let control = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: tcp &+ 12, as: UInt32.self))
        let headerLength = Int(truncatingIfNeeded: control >> 28) &* 4
        // A negative TCP length (an IPv4 total length below 20) fails here as well.
        guard headerLength >= 20, headerLength <= tcpLength else { return false }
        // Each field goes straight into the caller's segment: built as one value, the segment's
        // 25 fields outlive the branches in registers that spill.
        if isIPv6 {
            segment.source.address = IPAddress(
                ipv6High: UInt64(bigEndian: base.loadUnaligned(fromByteOffset: ip &+ 8, as: UInt64.self)),
                low: UInt64(bigEndian: base.loadUnaligned(fromByteOffset: ip &+ 16, as: UInt64.self))
            )
            segment.destination.address = IPAddress(
                ipv6High: UInt64(bigEndian: base.loadUnaligned(fromByteOffset: ip &+ 24, as: UInt64.self)),
                low: UInt64(bigEndian: base.loadUnaligned(fromByteOffset: ip &+ 32, as: UInt64.self))
            )
        } else {
            let addresses = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: ip &+ 12, as: UInt64.self))
            segment.source.address = IPAddress(ipv4: UInt32(truncatingIfNeeded: addresses >> 32))
            segment.destination.address = IPAddress(ipv4: UInt32(truncatingIfNeeded: addresses))
        }
        let ports = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: tcp, as: UInt32.self))
        segment.source.port = UInt16(truncatingIfNeeded: ports >> 16)
        segment.destination.port = UInt16(truncatingIfNeeded: ports)
        let numbers = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: tcp &+ 4, as: UInt64.self))
        segment.sequence = UInt32(truncatingIfNeeded: numbers >> 32)
        segment.acknowledgment = UInt32(truncatingIfNeeded: numbers)
        segment.flags = TCPFlags(rawValue: UInt16(truncatingIfNeeded: control >> 16) & 0x01ff)
        // The fixed IP header and the TCP length: Zeek's ip_bytes.
        segment.ipLength = UInt32(truncatingIfNeeded: (tcp &- ip) &+ tcpLength)
        segment.window = UInt16(truncatingIfNeeded: control)
        segment.payloadLength = UInt32(truncatingIfNeeded: tcpLength &- headerLength)
        segment.options = TCPOptionsSummary()
        if headerLength > 20 {
            let optionsEnd = min(tcp &+ headerLength, captured)
            if headerLength == 32 && optionsEnd == tcp &+ 32
                && base.loadUnaligned(fromByteOffset: tcp &+ 20, as: UInt32.self) == UInt32(bigEndian: 0x0101_080a)
            {
                // NOP, NOP, timestamps: what Linux puts on every segment after the handshake.
                let stamps = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: tcp &+ 24, as: UInt64.self))
                segment.options.timestamp = (
                    UInt32(truncatingIfNeeded: stamps >> 32), UInt32(truncatingIfNeeded: stamps)
                )
            } else {
                parseOptions(bytes, from: tcp &+ 20, to: optionsEnd, into: &segment.options)
            }
        }
        return true
    }
}

/// The IP versions a link-layer header allows after it.
struct IPVersions: OptionSet {
    let rawValue: UInt8

    static let ipv4 = IPVersions(rawValue: 1)
    static let ipv6 = IPVersions(rawValue: 2)
    static let either = IPVersions(rawValue: 3)

    /// The version an EtherType (as loaded, in network order) announces; none for VLAN tags and
    /// other protocols, which are left to the general decoder.
    @inline(__always)
    init(etherType raw: UInt16) {
        // Compared as loaded, against constants swapped at compile time.
        if raw == UInt16(0x0800).bigEndian {
            self = .ipv4
        } else if raw == UInt16(0x86dd).bigEndian {
            self = .ipv6
        } else {
            self = []
        }
    }

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }
}
