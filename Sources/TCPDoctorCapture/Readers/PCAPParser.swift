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

    mutating func parse(
        _ window: UnsafeRawBufferPointer,
        at windowOffset: Int64,
        onPacket: (CapturePacket) -> Void
    ) throws(CaptureError) -> ParseProgress {
        var position = 0
        if !headerParsed {
            guard window.count >= Self.fileHeaderLength else {
                return ParseProgress(consumed: 0, needed: Self.fileHeaderLength)
            }
            try parseFileHeader(window)
            position = Self.fileHeaderLength
        }
        let swapped = swapped
        let fractionScale: Int64 = nanosecondResolution ? 1 : 1000
        let linkType = linkType
        let maximumRecordLength = maximumRecordLength
        while true {
            let remaining = window.count - position
            guard remaining >= Self.recordHeaderLength else {
                return ParseProgress(consumed: position, needed: Self.recordHeaderLength)
            }
            let includedLength = Int(window.uint32(position + 8, swapped: swapped))
            guard includedLength <= maximumRecordLength else {
                throw CaptureError(
                    .corruptBlock,
                    "record claims \(includedLength) captured bytes, more than the snaplen \(snapLength) "
                        + "and the \(maximumRecordLength)-byte maximum; the file is corrupt here",
                    file: file,
                    byteOffset: windowOffset + Int64(position),
                    packetNumber: packetNumber + 1
                )
            }
            let recordLength = Self.recordHeaderLength + includedLength
            guard remaining >= recordLength else {
                return ParseProgress(consumed: position, needed: recordLength)
            }
            let seconds = Int64(window.uint32(position, swapped: swapped))
            let fraction = Int64(window.uint32(position + 4, swapped: swapped))
            packetNumber += 1
            let dataStart = position + Self.recordHeaderLength
            onPacket(
                CapturePacket(
                    bytes: UnsafeRawBufferPointer(rebasing: window[dataStart..<(dataStart + includedLength)]),
                    linkType: linkType,
                    timestampNanoseconds: seconds * 1_000_000_000 + fraction * fractionScale,
                    originalLength: window.uint32(position + 12, swapped: swapped),
                    packetNumber: packetNumber,
                    fileOffset: windowOffset + Int64(position)
                )
            )
            position += recordLength
        }
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
