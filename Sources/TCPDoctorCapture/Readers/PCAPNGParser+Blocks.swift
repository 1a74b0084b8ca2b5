extension PCAPNGParser {
    /// A new section: new byte order, no interfaces yet.
    mutating func parseSectionHeader(
        _ body: UnsafeRawBufferPointer,
        swapped blockSwapped: Bool,
        at offset: Int64
    ) throws(CaptureError) {
        swapped = blockSwapped
        inSection = true
        let major = body.uint16(4, swapped: swapped)
        let minor = body.uint16(6, swapped: swapped)
        guard major == 1 else {
            throw CaptureError(
                .unsupportedVersion,
                "pcapng version \(major).\(minor) is not supported (only 1.x)",
                file: file,
                byteOffset: offset + 12
            )
        }
        interfaces.removeAll(keepingCapacity: true)
        sectionCount += 1
    }

    mutating func parseInterfaceDescription(_ body: UnsafeRawBufferPointer, at offset: Int64) throws(CaptureError) {
        guard interfaces.count < CaptureLimits.maximumInterfaces else {
            throw CaptureError(
                .corruptBlock,
                "more than \(CaptureLimits.maximumInterfaces) interfaces in one section",
                file: file,
                byteOffset: offset
            )
        }
        var resolution: UInt8 = 6
        var offsetSeconds: Int64 = 0
        var position = 8
        // Options: code, length, value padded to 4 bytes; opt_endofopt (0) or the body's end ends them.
        while body.count - position >= 4 {
            let code = body.uint16(position, swapped: swapped)
            let length = Int(body.uint16(position + 2, swapped: swapped))
            if code == 0 { break }
            let valueStart = position + 4
            guard body.count - valueStart >= length else {
                throw CaptureError(
                    .corruptBlock,
                    "Interface Description option \(code) of \(length) bytes runs past the end of its block",
                    file: file,
                    byteOffset: offset + 8 + Int64(position)
                )
            }
            switch code {
            case 9:  // if_tsresol
                try expectOptionLength(length, 1, name: "if_tsresol", at: offset + 8 + Int64(position))
                resolution = body.byte(valueStart)
            case 14:  // if_tsoffset
                try expectOptionLength(length, 8, name: "if_tsoffset", at: offset + 8 + Int64(position))
                offsetSeconds = Int64(bitPattern: body.uint64(valueStart, swapped: swapped))
            default:
                break
            }
            position = valueStart + (length + 3) & ~3
        }
        interfaces.append(
            Interface(
                linkType: LinkType(rawValue: body.uint16(0, swapped: swapped)),
                snapLength: body.uint32(4, swapped: swapped),
                timestampScale: TimestampScale(resolution: resolution, offsetSeconds: offsetSeconds)
            )
        )
    }

    mutating func parseEnhancedPacket<Sink: PacketSink>(
        _ body: UnsafeRawBufferPointer,
        at offset: Int64,
        into sink: inout Sink
    ) throws(CaptureError) {
        let interfaceIndex = body.uint32(0, swapped: swapped)
        let units = UInt64(body.uint32(4, swapped: swapped)) << 32 | UInt64(body.uint32(8, swapped: swapped))
        let capturedLength = Int(body.uint32(12, swapped: swapped))
        try deliverPacket(
            body,
            dataStart: 20,
            capturedLength: capturedLength,
            originalLength: body.uint32(16, swapped: swapped),
            interfaceIndex: interfaceIndex,
            timestampUnits: units,
            at: offset,
            into: &sink
        )
    }

    /// The obsolete Packet Block (type 2): a 16-bit interface ID and a drops count where the
    /// Enhanced Packet Block has a 32-bit interface ID.
    mutating func parseObsoletePacket<Sink: PacketSink>(
        _ body: UnsafeRawBufferPointer,
        at offset: Int64,
        into sink: inout Sink
    ) throws(CaptureError) {
        let interfaceIndex = UInt32(body.uint16(0, swapped: swapped))
        let units = UInt64(body.uint32(4, swapped: swapped)) << 32 | UInt64(body.uint32(8, swapped: swapped))
        try deliverPacket(
            body,
            dataStart: 20,
            capturedLength: Int(body.uint32(12, swapped: swapped)),
            originalLength: body.uint32(16, swapped: swapped),
            interfaceIndex: interfaceIndex,
            timestampUnits: units,
            at: offset,
            into: &sink
        )
    }

    /// The Simple Packet Block: no interface ID (always interface 0), no timestamp, no captured
    /// length. The captured length is the original length cut to interface 0's snaplen, and the
    /// block's data (which is padded to 4 bytes) bounds it too.
    mutating func parseSimplePacket<Sink: PacketSink>(
        _ body: UnsafeRawBufferPointer,
        at offset: Int64,
        into sink: inout Sink
    ) throws(CaptureError) {
        guard let interface = interfaces.first else {
            throw CaptureError(
                .corruptBlock,
                "Simple Packet Block before any Interface Description Block in its section",
                file: file,
                byteOffset: offset
            )
        }
        let originalLength = body.uint32(0, swapped: swapped)
        var capturedLength = min(Int(originalLength), body.count - 4)
        if interface.snapLength != 0 { capturedLength = min(capturedLength, Int(interface.snapLength)) }
        packetNumber += 1
        sink.take(
            CapturePacket(
                bytes: UnsafeRawBufferPointer(rebasing: body[4..<(4 + capturedLength)]),
                linkType: interface.linkType,
                timestampNanoseconds: lastTimestamp,
                originalLength: originalLength,
                packetNumber: packetNumber,
                fileOffset: offset,
                interfaceIndex: 0
            )
        )
    }

    @inline(__always)
    private mutating func deliverPacket<Sink: PacketSink>(
        _ body: UnsafeRawBufferPointer,
        dataStart: Int,
        capturedLength: Int,
        originalLength: UInt32,
        interfaceIndex: UInt32,
        timestampUnits: UInt64,
        at offset: Int64,
        into sink: inout Sink
    ) throws(CaptureError) {
        guard Int(interfaceIndex) < interfaces.count else {
            throw CaptureError(
                .corruptBlock,
                "packet block names interface \(interfaceIndex), but its section declares \(interfaces.count)",
                file: file,
                byteOffset: offset,
                packetNumber: packetNumber + 1
            )
        }
        guard capturedLength <= body.count - dataStart else {
            throw CaptureError(
                .corruptBlock,
                "packet block claims \(capturedLength) captured bytes but holds only \(body.count - dataStart)",
                file: file,
                byteOffset: offset,
                packetNumber: packetNumber + 1
            )
        }
        let interface = interfaces[Int(interfaceIndex)]
        let timestamp = interface.timestampScale.nanoseconds(units: timestampUnits)
        lastTimestamp = timestamp
        packetNumber += 1
        sink.take(
            CapturePacket(
                bytes: UnsafeRawBufferPointer(rebasing: body[dataStart..<(dataStart + capturedLength)]),
                linkType: interface.linkType,
                timestampNanoseconds: timestamp,
                originalLength: originalLength,
                packetNumber: packetNumber,
                fileOffset: offset,
                interfaceIndex: interfaceIndex
            )
        )
    }

    private func expectOptionLength(
        _ length: Int,
        _ expected: Int,
        name: String,
        at offset: Int64
    ) throws(CaptureError) {
        guard length == expected else {
            throw CaptureError(
                .corruptBlock,
                "\(name) option has \(length) bytes instead of \(expected)",
                file: file,
                byteOffset: offset
            )
        }
    }
}
