/// Parses the classic libpcap file format: a 24-byte file header, then 16-byte record headers each
/// followed by the captured bytes.
///
/// The magic number says both the byte order of the writer and the timestamp unit:
/// `0xa1b2c3d4` for microseconds, `0xa1b23c4d` for nanoseconds, either as written or byte-swapped.
struct PCAPParser: CaptureParser {
    static let fileHeaderLength = 24
    static let recordHeaderLength = 16

    let file: String
    private var headerParsed = false
    private var swapped = false
    private var nanosecondResolution = false
    private(set) var linkType = LinkType.null
    private(set) var snapLength: UInt32 = 0
    private var maximumRecordLength = CaptureLimits.standardMaximumSnapLength
    private var packetNumber: UInt64 = 0

    init(file: String) {
        self.file = file
    }

    var packetsParsed: UInt64 { packetNumber }

    mutating func parse<Sink: PacketSink>(
        _ window: UnsafeRawBufferPointer,
        at windowOffset: Int64,
        into sink: inout Sink
    ) throws(CaptureError) -> ParseProgress {
        var position = 0
        if !headerParsed {
            guard window.count >= Self.fileHeaderLength else {
                return ParseProgress(consumed: 0, needed: Self.fileHeaderLength)
            }
            try parseFileHeader(window)
            position = Self.fileHeaderLength
        }
        // One copy of the record loop per byte order, each with its order fixed, so that no field
        // load tests the order.
        if swapped {
            return try parseRecords(window, from: position, at: windowOffset, swapped: true, into: &sink)
        }
        return try parseRecords(window, from: position, at: windowOffset, swapped: false, into: &sink)
    }

    /// Delivers every whole record of `window` from `start` on.
    ///
    /// The record header is read with one bounds check: the 16 bytes are there, and the captured
    /// length fits both the limit and the window; nothing after it can overflow, because both
    /// lengths are far below `Int.max`.
    @inline(__always)
    private mutating func parseRecords<Sink: PacketSink>(
        _ window: UnsafeRawBufferPointer,
        from start: Int,
        at windowOffset: Int64,
        swapped: Bool,
        into sink: inout Sink
    ) throws(CaptureError) -> ParseProgress {
        guard let base = window.baseAddress else {
            return ParseProgress(consumed: start, needed: Self.recordHeaderLength)
        }
        let end = window.count
        let fractionScale: Int64 = nanosecondResolution ? 1 : 1000
        let linkType = linkType
        let maximumRecordLength = maximumRecordLength
        var packetNumber = packetNumber
        defer { self.packetNumber = packetNumber }
        var position = start
        while true {
            let remaining = end &- position
            guard remaining >= Self.recordHeaderLength else {
                return ParseProgress(consumed: position, needed: Self.recordHeaderLength)
            }
            let record = base + position
            let header = record.loadUnaligned(as: PCAPRecordHeader.self)
            let includedLength = Int(swapped ? header.includedLength.byteSwapped : header.includedLength)
            guard includedLength <= maximumRecordLength else {
                throw corruptLength(includedLength, at: windowOffset + Int64(position), packetNumber: packetNumber + 1)
            }
            let recordLength = Self.recordHeaderLength &+ includedLength
            guard remaining >= recordLength else {
                return ParseProgress(consumed: position, needed: recordLength)
            }
            let seconds = Int64(swapped ? header.seconds.byteSwapped : header.seconds)
            let fraction = Int64(swapped ? header.fraction.byteSwapped : header.fraction)
            packetNumber &+= 1
            // At most (2^32 - 1) * 10^9 + (2^32 - 1) * 1000, below Int64.max.
            sink.take(
                CapturePacket(
                    bytes: UnsafeRawBufferPointer(start: record + Self.recordHeaderLength, count: includedLength),
                    linkType: linkType,
                    timestampNanoseconds: seconds &* 1_000_000_000 &+ fraction &* fractionScale,
                    originalLength: swapped ? header.originalLength.byteSwapped : header.originalLength,
                    packetNumber: packetNumber,
                    fileOffset: windowOffset &+ Int64(position)
                )
            )
            position &+= recordLength
        }
    }

    private func corruptLength(_ includedLength: Int, at offset: Int64, packetNumber: UInt64) -> CaptureError {
        CaptureError(
            .corruptBlock,
            "record claims \(includedLength) captured bytes, more than the snaplen \(snapLength) "
                + "and the \(maximumRecordLength)-byte maximum; the file is corrupt here",
            file: file,
            byteOffset: offset,
            packetNumber: packetNumber
        )
    }

    func endOfInput(remaining: Int, at offset: Int64, needed: Int) throws(CaptureError) -> CaptureError? {
        guard headerParsed else {
            throw CaptureError(
                .truncated,
                "the file ends after \(remaining) bytes, inside the 24-byte pcap file header",
                file: file,
                byteOffset: offset
            )
        }
        let what = remaining < Self.recordHeaderLength ? "a 16-byte record header" : "a \(needed)-byte record"
        return .truncatedTail(
            inside: what,
            remaining: remaining,
            packetsRead: packetNumber,
            file: file,
            byteOffset: offset
        )
    }

    private mutating func parseFileHeader(_ window: UnsafeRawBufferPointer) throws(CaptureError) {
        let magic = window.uint32(0, swapped: false)
        switch magic {
        case 0xa1b2_c3d4: (swapped, nanosecondResolution) = (false, false)
        case 0xd4c3_b2a1: (swapped, nanosecondResolution) = (true, false)
        case 0xa1b2_3c4d: (swapped, nanosecondResolution) = (false, true)
        case 0x4d3c_b2a1: (swapped, nanosecondResolution) = (true, true)
        default:
            throw CaptureError(.notACapture, CaptureFormat.describeUnknownMagic(window), file: file, byteOffset: 0)
        }
        let major = window.uint16(4, swapped: swapped)
        let minor = window.uint16(6, swapped: swapped)
        guard major == 2 else {
            throw CaptureError(
                .unsupportedVersion,
                "pcap version \(major).\(minor) is not supported (only 2.x)",
                file: file,
                byteOffset: 4
            )
        }
        snapLength = window.uint32(16, swapped: swapped)
        // The upper bits of the link-type field carry the FCS length (draft-ietf-opsawg-pcap); the
        // decoder needs no FCS because it takes lengths from the IP header.
        linkType = LinkType(rawValue: UInt16(truncatingIfNeeded: window.uint32(20, swapped: swapped)))
        // Accept records up to the larger of the snaplen and libpcap's maximum, but never more than
        // the block limit: a huge snaplen must not make a garbage length look plausible.
        maximumRecordLength = min(
            CaptureLimits.maximumBlockLength - Self.recordHeaderLength,
            max(CaptureLimits.standardMaximumSnapLength, Int(snapLength))
        )
        headerParsed = true
    }
}

/// A pcap record header as stored, in the byte order of the file's writer.
struct PCAPRecordHeader {
    var seconds: UInt32
    /// Microseconds or nanoseconds, as the file's magic number says.
    var fraction: UInt32
    var includedLength: UInt32
    var originalLength: UInt32
}
