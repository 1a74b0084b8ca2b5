/// The file formats the readers understand.
public enum CaptureFormat: String, Hashable, Sendable, CaseIterable {
    /// The classic libpcap format: one link type per file.
    case pcap
    /// pcapng: sections, interfaces of their own link types, blocks.
    case pcapng

    /// The format announced by the first four bytes of a file, or nil.
    static func detect(_ bytes: UnsafeRawBufferPointer) -> CaptureFormat? {
        guard bytes.count >= 4 else { return nil }
        switch bytes.uint32(0, swapped: false) {
        case 0xa1b2_c3d4, 0xd4c3_b2a1, 0xa1b2_3c4d, 0x4d3c_b2a1: return .pcap
        case PCAPNGParser.sectionHeaderType: return .pcapng
        default: return nil
        }
    }

    /// A sentence saying what the first bytes of a file that is not a capture look like.
    static func describeUnknownMagic(_ bytes: UnsafeRawBufferPointer) -> String {
        let shown = hex(bytes, from: 0, count: min(bytes.count, 4))
        if bytes.count >= 2 && bytes.byte(0) == 0x1f && bytes.byte(1) == 0x8b {
            return "the file is gzip-compressed (starts with 1f 8b); decompress it first"
        }
        if bytes.count >= 4 {
            let magic = bytes.uint32(0, swapped: false)
            if magic == 0xa1b2_cd34 || magic == 0x34cd_b2a1 {
                return "the file is in Alexey Kuznetzov's modified pcap format (magic a1b2cd34), which is not "
                    + "supported; convert it with `editcap -F pcap`"
            }
        }
        return "the file starts with \(shown), which is neither a pcap magic number (a1b2c3d4, a1b23c4d, "
            + "in either byte order) nor a pcapng Section Header Block (0a0d0d0a)"
    }

    /// Bytes as lower-case hex pairs separated by spaces, such as `0a 0d 0d 0a`.
    static func hex(_ bytes: UnsafeRawBufferPointer, from start: Int, count: Int) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var text = ""
        for index in start..<min(bytes.count, start + count) {
            if index > start { text.append(" ") }
            let value = bytes.byte(index)
            text.append(digits[Int(value >> 4)])
            text.append(digits[Int(value & 0xf)])
        }
        return text
    }
}

/// Picks the parser from the first four bytes, then hands every window to it.
struct DetectingParser: CaptureParser {
    private enum State {
        case undetermined
        case pcap(PCAPParser)
        case pcapng(PCAPNGParser)
    }

    let file: String
    private var state = State.undetermined

    init(file: String) {
        self.file = file
    }

    var packetsParsed: UInt64 {
        switch state {
        case .undetermined: 0
        case .pcap(let parser): parser.packetsParsed
        case .pcapng(let parser): parser.packetsParsed
        }
    }

    /// The detected format, once at least four bytes have been parsed.
    var format: CaptureFormat? {
        switch state {
        case .undetermined: nil
        case .pcap: .pcap
        case .pcapng: .pcapng
        }
    }

    mutating func parse<Sink: PacketSink>(
        _ window: UnsafeRawBufferPointer,
        at windowOffset: Int64,
        into sink: inout Sink
    ) throws(CaptureError) -> ParseProgress {
        switch state {
        case .undetermined:
            guard window.count >= 4 else { return ParseProgress(consumed: 0, needed: 4) }
            switch CaptureFormat.detect(window) {
            case .pcap: state = .pcap(PCAPParser(file: file))
            case .pcapng: state = .pcapng(PCAPNGParser(file: file))
            case nil:
                throw CaptureError(
                    .notACapture,
                    CaptureFormat.describeUnknownMagic(window),
                    file: file,
                    byteOffset: windowOffset
                )
            }
            return try parse(window, at: windowOffset, into: &sink)
        case .pcap(var parser):
            // Take the parser out of the enum while it runs so that it is mutated in place.
            state = .undetermined
            defer { state = .pcap(parser) }
            return try parser.parse(window, at: windowOffset, into: &sink)
        case .pcapng(var parser):
            state = .undetermined
            defer { state = .pcapng(parser) }
            return try parser.parse(window, at: windowOffset, into: &sink)
        }
    }

    func endOfInput(remaining: Int, at offset: Int64, needed: Int) throws(CaptureError) -> CaptureError? {
        switch state {
        case .undetermined:
            if remaining == 0 && offset == 0 {
                throw CaptureError(.emptyFile, "the file is empty (0 bytes)", file: file)
            }
            throw CaptureError(
                .notACapture,
                "the file has only \(remaining) bytes, too few for a capture header",
                file: file,
                byteOffset: offset
            )
        case .pcap(let parser):
            return try parser.endOfInput(remaining: remaining, at: offset, needed: needed)
        case .pcapng(let parser):
            return try parser.endOfInput(remaining: remaining, at: offset, needed: needed)
        }
    }
}
