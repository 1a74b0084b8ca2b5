import TCPDoctorCore

extension PacketDecoder {
    /// TCP (RFC 9293): ports, sequence numbers, flags, window, and the options the analysis uses.
    ///
    /// - Parameter length: the TCP segment's length from the IP header (header and payload).
    @inline(__always)
    static func decodeTCP(
        _ frame: Frame,
        at offset: Int,
        length: Int,
        into segment: inout TCPSegment
    ) -> PacketOutcome {
        guard length >= 20 else { return .malformed(.tcpSegmentTooShort(length: length)) }
        guard frame.has(offset + 20) else { return frame.shortIP(offset + 20) }
        let bytes = frame.bytes
        let offsetAndFlags = bytes.bigEndianUInt16(offset + 12)
        let headerLength = Int(offsetAndFlags >> 12) * 4
        guard headerLength >= 20, headerLength <= length else {
            return .malformed(.tcpDataOffset(headerLength: headerLength, segmentLength: length))
        }
        segment.source.port = bytes.bigEndianUInt16(offset)
        segment.destination.port = bytes.bigEndianUInt16(offset + 2)
        segment.sequence = bytes.bigEndianUInt32(offset + 4)
        segment.acknowledgment = bytes.bigEndianUInt32(offset + 8)
        segment.flags = TCPFlags(rawValue: offsetAndFlags & 0x01ff)
        segment.window = bytes.bigEndianUInt16(offset + 14)
        segment.payloadLength = UInt32(length - headerLength)
        segment.options = TCPOptionsSummary()
        if headerLength > 20 {
            // Options cut by the snaplen are read as far as they were captured.
            parseOptions(bytes, from: offset + 20, to: min(offset + headerLength, bytes.count), into: &segment.options)
        }
        return .tcp
    }

    /// Reads MSS (2), window scale (3), SACK permitted (4) and timestamps (8) between `start` and
    /// `end`; an option with an impossible length ends the walk, keeping what was found before it.
    static func parseOptions(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        into options: inout TCPOptionsSummary
    ) {
        var position = start
        while position < end {
            let kind = bytes.byte(position)
            if kind == 0 { return }  // End of Option List
            if kind == 1 {  // No-Operation
                position += 1
                continue
            }
            guard position + 1 < end else { return }
            let length = Int(bytes.byte(position + 1))
            guard length >= 2, position + length <= end else { return }
            switch (kind, length) {
            case (2, 4): options.maximumSegmentSize = bytes.bigEndianUInt16(position + 2)
            case (3, 3): options.windowScale = bytes.byte(position + 2)
            case (4, 2): options.sackPermitted = true
            case (8, 10):
                options.timestamp = (bytes.bigEndianUInt32(position + 2), bytes.bigEndianUInt32(position + 6))
            default: break
            }
            position += length
        }
    }
}
