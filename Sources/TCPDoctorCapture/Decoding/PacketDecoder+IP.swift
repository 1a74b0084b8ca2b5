import TCPDoctorCore

extension PacketDecoder {
    /// IPv4 (RFC 791): version, IHL (with options), total length, fragment fields, protocol, addresses.
    static func decodeIPv4(_ frame: Frame, at offset: Int, into segment: inout TCPSegment) -> PacketOutcome {
        let available = frame.originalLength - offset
        guard frame.has(offset + 20) else { return frame.short(offset + 20, ipHeaderOfVersion: 4, at: offset) }
        let bytes = frame.bytes
        let first = bytes.byte(offset)
        guard first >> 4 == 4 else { return .malformed(.ipVersionMismatch(expected: 4, found: first >> 4)) }
        let headerLength = Int(first & 0x0f) * 4
        var totalLength = Int(bytes.bigEndianUInt16(offset + 2))
        if totalLength == 0 {
            // TCP segmentation offload: a capture taken before the NIC splits a large segment
            // carries total length 0; the frame's length is then the only truth, as tcpdump assumes.
            totalLength = available
        } else if totalLength > available {
            return .malformed(.ipv4TotalLength(totalLength: totalLength, available: available))
        }
        guard headerLength >= 20, headerLength <= totalLength else {
            return .malformed(.ipv4HeaderLength(headerLength: headerLength, totalLength: totalLength))
        }
        let fragmentField = bytes.bigEndianUInt16(offset + 6)
        // A non-zero fragment offset, or More Fragments on the first piece: either way the TCP
        // segment is not whole in this packet.
        if fragmentField & 0x3fff != 0 { return .fragment }
        let proto = bytes.byte(offset + 9)
        guard proto == 6 else {
            return decodeTunnel(
                frame,
                ipProtocol: proto,
                at: offset + headerLength,
                end: offset + totalLength,
                into: &segment
            )
        }
        guard frame.has(offset + headerLength) else { return frame.shortIP(offset + headerLength) }
        segment.source.address = IPAddress(ipv4: bytes.bigEndianUInt32(offset + 12))
        segment.destination.address = IPAddress(ipv4: bytes.bigEndianUInt32(offset + 16))
        segment.ipLength = UInt32(totalLength)
        return decodeTCP(frame, at: offset + headerLength, length: totalLength - headerLength, into: &segment)
    }

    /// IPv6 (RFC 8200): the fixed header, then extension headers until TCP or a protocol that ends
    /// the walk (ESP, No Next Header, anything else).
    static func decodeIPv6(_ frame: Frame, at offset: Int, into segment: inout TCPSegment) -> PacketOutcome {
        let available = frame.originalLength - offset - 40
        guard frame.has(offset + 40) else { return frame.short(offset + 40, ipHeaderOfVersion: 6, at: offset) }
        let bytes = frame.bytes
        let version = bytes.byte(offset) >> 4
        guard version == 6 else { return .malformed(.ipVersionMismatch(expected: 6, found: version)) }
        var payloadLength = Int(bytes.bigEndianUInt16(offset + 4))
        if payloadLength == 0 {
            // A jumbogram or a segmentation-offload capture (Linux BIG TCP): the frame's length is
            // the only truth, as tcpdump assumes.
            payloadLength = available
        } else if payloadLength > available {
            return .malformed(.ipv6PayloadLength(payloadLength: payloadLength, available: available))
        }
        var nextHeader = bytes.byte(offset + 6)
        var position = offset + 40
        var remaining = payloadLength
        // Every extension header is at least 8 bytes, so this walk ends within the payload.
        while nextHeader != 6 {
            let headerLength: Int
            switch nextHeader {
            case 0, 43, 60, 135, 139, 140, 253, 254:
                // Hop-by-Hop, Routing, Destination Options, Mobility, HIP, Shim6, experiments:
                // the length byte counts 8-byte units beyond the first.
                guard remaining >= 8 else {
                    return .malformed(.ipv6ExtensionHeader(nextHeader: nextHeader, remaining: remaining))
                }
                guard frame.has(position + 2) else { return frame.shortIP(position + 2) }
                headerLength = (Int(bytes.byte(position + 1)) + 1) * 8
            case 51:
                // Authentication Header: the length byte counts 4-byte units, minus 2.
                guard remaining >= 8 else {
                    return .malformed(.ipv6ExtensionHeader(nextHeader: nextHeader, remaining: remaining))
                }
                guard frame.has(position + 2) else { return frame.shortIP(position + 2) }
                headerLength = (Int(bytes.byte(position + 1)) + 2) * 4
            case 44:
                // Fragment: 8 bytes; offset in the upper 13 bits, More Fragments in the lowest.
                guard remaining >= 8 else {
                    return .malformed(.ipv6ExtensionHeader(nextHeader: nextHeader, remaining: remaining))
                }
                guard frame.has(position + 8) else { return frame.shortIP(position + 8) }
                // An atomic fragment (offset 0, M clear) holds the whole packet: walk on.
                if bytes.bigEndianUInt16(position + 2) & 0xfff9 != 0 { return .fragment }
                headerLength = 8
            default:
                // IP-in-IP, GRE and UDP may carry a tunnel; ESP (50) hides what follows, 59 is No
                // Next Header, the rest are other protocols.
                return decodeTunnel(
                    frame,
                    ipProtocol: nextHeader,
                    at: position,
                    end: position + remaining,
                    into: &segment
                )
            }
            guard headerLength <= remaining else {
                return .malformed(.ipv6ExtensionHeader(nextHeader: nextHeader, remaining: remaining))
            }
            nextHeader = bytes.byte(position)
            position += headerLength
            remaining -= headerLength
        }
        segment.source.address = IPAddress(
            ipv6High: bytes.bigEndianUInt64(offset + 8),
            low: bytes.bigEndianUInt64(offset + 16)
        )
        segment.destination.address = IPAddress(
            ipv6High: bytes.bigEndianUInt64(offset + 24),
            low: bytes.bigEndianUInt64(offset + 32)
        )
        segment.ipLength = UInt32(40 + payloadLength)
        return decodeTCP(frame, at: position, length: remaining, into: &segment)
    }
}

extension Frame {
    /// The verdict for a fixed IP header that needs `count` bytes that were not captured.
    func short(_ count: Int, ipHeaderOfVersion version: UInt8, at offset: Int) -> PacketOutcome {
        count <= originalLength
            ? .truncated : .malformed(.ipHeaderTooShort(version: version, length: originalLength - offset))
    }

    /// The verdict for a header inside an IP packet that needs `count` bytes that were not
    /// captured. The IP lengths were checked against the original length before, so the snaplen is
    /// to blame; the malformed branch only guards that reasoning.
    @inline(__always)
    func shortIP(_ count: Int) -> PacketOutcome {
        count <= originalLength ? .truncated : .malformed(.tcpSegmentTooShort(length: originalLength))
    }
}
