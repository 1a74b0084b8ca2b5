extension PacketDecoder {
    /// Geneve (RFC 8926): version and option length (in 4-byte words), flags, a protocol type,
    /// VNI; options; then Ethernet (0x6558) or IP.
    static func decodeGeneve(_ frame: Frame, at offset: Int, into segment: inout TCPSegment) -> PacketOutcome {
        guard frame.has(offset + 8) else { return frame.shortIP(offset + 8) }
        let bytes = frame.bytes
        guard bytes.byte(offset) >> 6 == 0 else { return .notTCP }
        let header = offset + 8 + Int(bytes.byte(offset) & 0x3f) * 4
        segment.tunnel = .geneve
        switch bytes.bigEndianUInt16(offset + 2) {
        case 0x6558: return decodeInnerEthernet(frame, at: header, into: &segment)
        case 0x0800: return decodeInner(frame, .ipv4, at: header, into: &segment)
        case 0x86dd: return decodeInner(frame, .ipv6, at: header, into: &segment)
        default: return .notTCP
        }
    }

    /// Teredo (RFC 4380): an optional authentication indicator (0x0001, client identifier and
    /// authentication lengths, both values, an 8-byte nonce and a confirmation byte) and an
    /// optional origin indication (0x0000, 6 bytes), then IPv6.
    static func decodeTeredo(_ frame: Frame, at offset: Int, into segment: inout TCPSegment) -> PacketOutcome {
        let bytes = frame.bytes
        var start = offset
        guard frame.has(start + 2) else { return frame.shortIP(start + 2) }
        if bytes.bigEndianUInt16(start) == 0x0001 {
            guard frame.has(start + 4) else { return frame.shortIP(start + 4) }
            start += 13 + Int(bytes.byte(start + 2)) + Int(bytes.byte(start + 3))
            guard frame.has(start + 2) else { return frame.shortIP(start + 2) }
        }
        if bytes.bigEndianUInt16(start) == 0x0000 { start += 8 }
        guard frame.has(start + 1) else { return frame.shortIP(start + 1) }
        // Anything else on the port is not Teredo's IPv6.
        guard bytes.byte(start) >> 4 == 6 else { return .notTCP }
        segment.tunnel = .teredo
        return decodeInner(frame, .ipv6, at: start, into: &segment)
    }

    /// AYIYA (draft-massar-v6ops-ayiya): identity length (a power of two) and type, signature
    /// length (4-byte words) and hash method, authentication method and opcode (1: forward), the
    /// next header (4 or 41), an epoch; then identity and signature.
    static func decodeAYIYA(_ frame: Frame, at offset: Int, into segment: inout TCPSegment) -> PacketOutcome {
        guard frame.has(offset + 8) else { return frame.shortIP(offset + 8) }
        let bytes = frame.bytes
        guard bytes.byte(offset + 2) & 0x0f == 1 else { return .notTCP }
        let identity = 1 << Int(bytes.byte(offset) >> 4)
        let signature = Int(bytes.byte(offset + 1) >> 4) * 4
        let header = offset + 8 + identity + signature
        switch bytes.byte(offset + 3) {
        case 4:
            segment.tunnel = .ayiya
            return decodeInner(frame, .ipv4, at: header, into: &segment)
        case 41:
            segment.tunnel = .ayiya
            return decodeInner(frame, .ipv6, at: header, into: &segment)
        default:
            return .notTCP
        }
    }

    /// GTP-U, GTPv1 (3GPP TS 29.281): flags (version 1, protocol type 1; E, S, PN), message
    /// type 0xff (G-PDU), length, TEID; 4 more bytes when any of E, S, PN is set; extension
    /// headers (length in 4-byte units, the next type in their last byte) while E says so; then
    /// IP told by its version.
    static func decodeGTPU(_ frame: Frame, at offset: Int, into segment: inout TCPSegment) -> PacketOutcome {
        guard frame.has(offset + 8) else { return frame.shortIP(offset + 8) }
        let bytes = frame.bytes
        let flags = bytes.byte(offset)
        guard flags >> 5 == 1, flags & 0x10 != 0, bytes.byte(offset + 1) == 0xff else { return .notTCP }
        var header = offset + 8
        if flags & 0x07 != 0 {
            guard frame.has(header + 4) else { return frame.shortIP(header + 4) }
            var next = flags & 0x04 != 0 ? bytes.byte(header + 3) : 0
            header += 4
            while next != 0 {
                guard frame.has(header + 1) else { return frame.shortIP(header + 1) }
                let length = Int(bytes.byte(header)) * 4
                guard length > 0 else { return .notTCP }
                guard frame.has(header + length) else { return frame.shortIP(header + length) }
                next = bytes.byte(header + length - 1)
                header += length
            }
        }
        segment.tunnel = .gtpv1
        return decodeInner(frame, .guessIP, at: header, into: &segment)
    }
}
