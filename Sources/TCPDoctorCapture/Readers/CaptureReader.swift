import SystemPackage
import TCPDoctorSystem

/// Reads the packets of pcap and pcapng files, without libpcap.
///
/// Packets are delivered in file order as `CapturePacket`s whose bytes are borrowed from the
/// reader's buffer for the duration of the callback. Nothing is allocated per packet.
public enum CaptureReader {
    /// How many bytes of a capture held in memory one parse call sees.
    static let mappedWindowLength = 64 * 1024 * 1024
    /// The initial chunk buffer for pipes and standard input.
    static let chunkLength = 4 * 1024 * 1024
    /// The chunk buffer for regular files: small enough to stay in the CPU's cache between the
    /// kernel's copy and the parse.
    static let fileChunkLength = 256 * 1024

    /// Calls `onPacket` for every packet of a capture file in order.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - onPacket: called once per packet; the packet's bytes are valid only during the call.
    ///   - onWarning: called for problems after which reading goes on or ends normally, such as a
    ///     truncated last record.
    /// - Returns: the format of the file.
    /// - Throws: `CaptureError` for a file that cannot be opened or read, is not a capture, or is
    ///   corrupt; the packets before the corruption have been delivered.
    @discardableResult
    public static func forEachPacket(
        inFile path: String,
        onPacket: (CapturePacket) -> Void,
        onWarning: (CaptureError) -> Void = { _ in }
    ) throws(CaptureError) -> CaptureFormat {
        try ClosureSink.with(onPacket) { (sink) throws(CaptureError) in
            try forEachPacket(inFile: path, into: &sink, onWarning: onWarning)
        }
    }

    /// Delivers every packet of a capture file to `sink`, as `forEachPacket(inFile:onPacket:)` does.
    @discardableResult
    static func forEachPacket<Sink: PacketSink>(
        inFile path: String,
        into sink: inout Sink,
        onWarning: (CaptureError) -> Void
    ) throws(CaptureError) -> CaptureFormat {
        let input = try CaptureInput(path: path)
        var parser = DetectingParser(file: path)
        if input.size != nil {
            try parseFile(input, with: &parser, into: &sink, onWarning: onWarning)
        } else {
            try parseStream(input, with: &parser, into: &sink, onWarning: onWarning)
        }
        withExtendedLifetime(input) {}
        // A parser that ran to the end without throwing has seen at least four bytes.
        return parser.format ?? .pcap
    }

    /// Calls `onPacket` for every packet of a capture held in memory.
    ///
    /// - Parameters:
    ///   - bytes: the whole capture.
    ///   - name: the name used in errors and warnings.
    ///   - chunkLength: when given, the bytes are fed to the parser in pieces of this size, as from a
    ///     pipe; tests and the fuzzer use it to check that chunking changes nothing.
    @discardableResult
    public static func forEachPacket(
        in bytes: UnsafeRawBufferPointer,
        name: String = "",
        chunkLength: Int? = nil,
        onPacket: (CapturePacket) -> Void,
        onWarning: (CaptureError) -> Void = { _ in }
    ) throws(CaptureError) -> CaptureFormat {
        try ClosureSink.with(onPacket) { (sink) throws(CaptureError) in
            try forEachPacket(in: bytes, name: name, chunkLength: chunkLength, into: &sink, onWarning: onWarning)
        }
    }

    /// Delivers every packet of a capture held in memory to `sink`, as
    /// `forEachPacket(in:name:chunkLength:onPacket:onWarning:)` does.
    @discardableResult
    static func forEachPacket<Sink: PacketSink>(
        in bytes: UnsafeRawBufferPointer,
        name: String,
        chunkLength: Int?,
        into sink: inout Sink,
        onWarning: (CaptureError) -> Void
    ) throws(CaptureError) -> CaptureFormat {
        var parser = DetectingParser(file: name)
        if let chunkLength {
            var offset = 0
            try parseChunks(
                with: &parser,
                initialCapacity: max(chunkLength, 16),
                fill: { buffer in
                    let count = min(buffer.count, chunkLength, bytes.count - offset)
                    if count > 0, let base = buffer.baseAddress, let source = bytes.baseAddress {
                        base.copyMemory(from: source + offset, byteCount: count)
                    }
                    offset += count
                    return count
                },
                into: &sink,
                onWarning: onWarning
            )
        } else {
            try parseMapped(bytes, with: &parser, into: &sink, onWarning: onWarning)
        }
        return parser.format ?? .pcap
    }

    /// Parses a capture held in memory in windows of `windowLength` bytes (tests and fuzzing
    /// choose small windows, to cross record boundaries everywhere).
    static func parseMapped<P: CaptureParser, Sink: PacketSink>(
        _ bytes: UnsafeRawBufferPointer,
        with parser: inout P,
        into sink: inout Sink,
        onWarning: (CaptureError) -> Void,
        windowLength: Int = mappedWindowLength
    ) throws(CaptureError) {
        let end = bytes.count
        var position = 0
        var needed = 0
        while true {
            let windowEnd = min(end, position + max(windowLength, needed))
            let window = UnsafeRawBufferPointer(rebasing: bytes[position..<windowEnd])
            let progress = try parser.parse(window, at: Int64(position), into: &sink)
            try checkProgress(
                progress,
                windowLength: window.count,
                at: Int64(position + progress.consumed),
                file: parser.file
            )
            position += progress.consumed
            needed = progress.needed
            if windowEnd == end {
                if position < end || end == 0 {
                    if let warning = try parser.endOfInput(
                        remaining: end - position,
                        at: Int64(position),
                        needed: needed
                    ) {
                        onWarning(warning)
                    }
                }
                return
            }
        }
    }

    /// Parses a pipe or standard input read in chunks into a reused buffer.
    static func parseStream<P: CaptureParser, Sink: PacketSink>(
        _ input: CaptureInput,
        with parser: inout P,
        into sink: inout Sink,
        onWarning: (CaptureError) -> Void
    ) throws(CaptureError) {
        var readError: Errno?
        try parseChunks(
            with: &parser,
            initialCapacity: chunkLength,
            fill: { buffer in
                guard buffer.baseAddress != nil else { return 0 }
                switch systemRead(input.descriptor, buffer) {
                case .success(let count): return count
                case .failure(let error):
                    readError = error
                    return 0
                }
            },
            into: &sink,
            onWarning: onWarning,
            readError: { readError }
        )
    }

    /// The chunked parse loop: fill the buffer until the parser's next record fits, parse, move the
    /// unparsed tail to the front, repeat. The buffer grows only to the largest record seen, which
    /// the parsers bound by `CaptureLimits.maximumBlockLength`.
    ///
    /// - Parameters:
    ///   - fill: reads into the buffer it is given; returns 0 at the end of input.
    static func parseChunks<P: CaptureParser, Sink: PacketSink>(
        with parser: inout P,
        initialCapacity: Int,
        fill: (UnsafeMutableRawBufferPointer) -> Int,
        into sink: inout Sink,
        onWarning: (CaptureError) -> Void,
        readError: () -> Errno? = { nil }
    ) throws(CaptureError) {
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: initialCapacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        var bufferOffset: Int64 = 0
        var needed = 1
        var atEnd = false
        while true {
            if needed > buffer.count {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: needed, alignment: 16)
                larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
                buffer.deallocate()
                buffer = larger
            }
            while !atEnd && filled < needed {
                let count = fill(UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if let error = readError() {
                    throw CaptureError(
                        .io,
                        "cannot read: \(error)",
                        file: parser.file,
                        byteOffset: bufferOffset + Int64(filled),
                        errno: error.rawValue
                    )
                }
                if count == 0 { atEnd = true } else { filled += count }
            }
            let window = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            let progress = try parser.parse(window, at: bufferOffset, into: &sink)
            try checkProgress(
                progress,
                windowLength: filled,
                at: bufferOffset + Int64(progress.consumed),
                file: parser.file
            )
            let consumed = progress.consumed
            if consumed > 0 {
                let tail = filled - consumed
                if tail > 0, let base = buffer.baseAddress {
                    base.copyMemory(from: base + consumed, byteCount: tail)
                }
                filled = tail
                bufferOffset += Int64(consumed)
            }
            needed = progress.needed
            if atEnd {
                if filled > 0 || bufferOffset == 0 {
                    if let warning = try parser.endOfInput(remaining: filled, at: bufferOffset, needed: needed) {
                        onWarning(warning)
                    }
                }
                return
            }
        }
    }

    /// Guards the promise that makes both loops terminate: a parser stops only to ask for more
    /// bytes than it has left, and never for more than the block limit.
    private static func checkProgress(
        _ progress: ParseProgress,
        windowLength: Int,
        at offset: Int64,
        file: String
    ) throws(CaptureError) {
        let stalled = progress.needed <= windowLength - progress.consumed
        let tooLarge = progress.needed > CaptureLimits.maximumBlockLength
        if stalled || tooLarge {
            throw CaptureError(
                .corruptBlock,
                "the reader cannot make progress here (needs \(progress.needed) bytes, has \(windowLength))",
                file: file,
                byteOffset: offset
            )
        }
    }
}
