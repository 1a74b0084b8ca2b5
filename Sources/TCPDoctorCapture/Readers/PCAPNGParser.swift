/// Parses pcapng (draft-ietf-opsawg-pcapng): sections of blocks, each block
/// `type, total length, body, total length` in the byte order of its Section Header Block.
///
/// Every block length is checked against the minimum for its type, alignment, the size limit and
/// its trailing copy before any field inside is read. Blocks of unknown type are skipped.
struct PCAPNGParser: CaptureParser {
    static let sectionHeaderType: UInt32 = 0x0A0D_0D0A
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    static let interfaceDescriptionType: UInt32 = 1
    static let obsoletePacketType: UInt32 = 2
    static let simplePacketType: UInt32 = 3
    static let enhancedPacketType: UInt32 = 6
    /// Type and leading length, then the trailing length: the smallest possible block.
    static let minimumBlockLength = 12
    /// Type and leading length: once they are there, a length below `minimumBlockLength` is a
    /// corrupt block, not a file that ends inside a block header.
    static let blockHeaderLength = 8

    /// What the reader keeps of an Interface Description Block.
    struct Interface {
        var linkType: LinkType
        var snapLength: UInt32
        var timestampScale: TimestampScale
    }

    let file: String
    // Internal rather than private so that the block parsers in PCAPNGParser+Blocks.swift reach them.
    var inSection = false
    var swapped = false
    var interfaces: [Interface] = []
    var packetNumber: UInt64 = 0
    var packetsParsed: UInt64 { packetNumber }
    var lastTimestamp: Int64 = 0
    var sectionCount = 0

    init(file: String) {
        self.file = file
    }

    mutating func parse<Sink: PacketSink>(
        _ window: UnsafeRawBufferPointer,
        at windowOffset: Int64,
        into sink: inout Sink
    ) throws(CaptureError) -> ParseProgress {
        var position = 0
        while true {
            let remaining = window.count - position
            // Type and length: enough to judge the length of any block but a Section Header Block.
            guard remaining >= Self.blockHeaderLength else {
                return ParseProgress(consumed: position, needed: Self.minimumBlockLength)
            }
            let blockOffset = windowOffset + Int64(position)
            var type = window.uint32(position, swapped: false)
            // The byte order of this block: the section's, or for a Section Header Block (whose
            // type is a palindrome) the one its byte-order magic announces, which also governs the
            // SHB's own length. The section changes only once the whole SHB is there.
            var blockSwapped = swapped
            if type == Self.sectionHeaderType {
                guard remaining >= Self.minimumBlockLength else {
                    return ParseProgress(consumed: position, needed: Self.minimumBlockLength)
                }
                switch window.uint32(position + 8, swapped: false) {
                case Self.byteOrderMagic: blockSwapped = false
                case Self.byteOrderMagic.byteSwapped: blockSwapped = true
                default:
                    throw CaptureError(
                        blockOffset == 0 ? .notACapture : .corruptBlock,
                        "Section Header Block has byte-order magic "
                            + "\(CaptureFormat.hex(window, from: position + 8, count: 4)), not 1a2b3c4d in either order",
                        file: file,
                        byteOffset: blockOffset + 8
                    )
                }
            } else if inSection {
                type = swapped ? type.byteSwapped : type
            } else {
                throw CaptureError(
                    .notACapture,
                    "a pcapng file must start with a Section Header Block",
                    file: file,
                    byteOffset: blockOffset
                )
            }
            let length = Int(window.uint32(position + 4, swapped: blockSwapped))
            try checkLength(length, type: type, at: blockOffset)
            guard remaining >= length else {
                return ParseProgress(consumed: position, needed: length)
            }
            let trailing = Int(window.uint32(position + length - 4, swapped: blockSwapped))
            guard trailing == length else {
                throw CaptureError(
                    .corruptBlock,
                    "block total length \(length) does not match its trailing copy \(trailing) "
                        + "at byte offset \(blockOffset + Int64(length) - 4)",
                    file: file,
                    byteOffset: blockOffset
                )
            }
            let body = UnsafeRawBufferPointer(rebasing: window[(position + 8)..<(position + length - 4)])
            switch type {
            case Self.sectionHeaderType:
                try parseSectionHeader(body, swapped: blockSwapped, at: blockOffset)
            case Self.interfaceDescriptionType:
                try parseInterfaceDescription(body, at: blockOffset)
            case Self.enhancedPacketType:
                try parseEnhancedPacket(body, at: blockOffset, into: &sink)
            case Self.simplePacketType:
                try parseSimplePacket(body, at: blockOffset, into: &sink)
            case Self.obsoletePacketType:
                try parseObsoletePacket(body, at: blockOffset, into: &sink)
            default:
                // Name Resolution, Interface Statistics, Decryption Secrets, custom and future
                // blocks carry nothing the analysis uses.
                break
            }
            position += length
        }
    }

    func endOfInput(remaining: Int, at offset: Int64, needed: Int) throws(CaptureError) -> CaptureError? {
        guard inSection else {
            throw CaptureError(
                .truncated,
                "the file ends after \(remaining) bytes, inside its first Section Header Block",
                file: file,
                byteOffset: offset
            )
        }
        // Under 8 bytes, or a Section Header Block without its byte-order magic: the header is cut.
        let headerCut = remaining < Self.minimumBlockLength && needed <= Self.minimumBlockLength
        let what = headerCut ? "a block header" : "a \(needed)-byte block"
        return .truncatedTail(
            inside: what,
            remaining: remaining,
            packetsRead: packetNumber,
            file: file,
            byteOffset: offset
        )
    }

    @inline(__always)
    private func checkLength(_ length: Int, type: UInt32, at offset: Int64) throws(CaptureError) {
        // Nearly every block is an Enhanced Packet Block of a plausible length: one test for it.
        if type == Self.enhancedPacketType && length >= 32 && length & 3 == 0
            && length <= CaptureLimits.maximumBlockLength
        {
            return
        }
        try checkAnyLength(length, type: type, at: offset)
    }

    @inline(never)
    private func checkAnyLength(_ length: Int, type: UInt32, at offset: Int64) throws(CaptureError) {
        let minimum =
            switch type {
            case Self.sectionHeaderType: 28
            case Self.interfaceDescriptionType: 20
            case Self.enhancedPacketType, Self.obsoletePacketType: 32
            case Self.simplePacketType: 16
            default: Self.minimumBlockLength
            }
        if length < Self.minimumBlockLength {
            throw CaptureError(
                .corruptBlock,
                "block length \(length) at byte offset \(offset) is below \(Self.minimumBlockLength)",
                file: file,
                byteOffset: offset
            )
        }
        let problem: String? =
            if length < minimum {
                "is less than the minimum \(minimum) for a block of type \(Self.describe(type: type))"
            } else if length % 4 != 0 {
                "is not a multiple of 4"
            } else if length > CaptureLimits.maximumBlockLength {
                "exceeds the \(CaptureLimits.maximumBlockLength)-byte limit"
            } else {
                nil
            }
        if let problem {
            throw CaptureError(.corruptBlock, "block total length \(length) \(problem)", file: file, byteOffset: offset)
        }
    }

    static func describe(type: UInt32) -> String {
        switch type {
        case sectionHeaderType: "Section Header"
        case interfaceDescriptionType: "Interface Description"
        case obsoletePacketType: "Packet (obsolete)"
        case simplePacketType: "Simple Packet"
        case enhancedPacketType: "Enhanced Packet"
        default: "0x" + String(type, radix: 16)
        }
    }
}
