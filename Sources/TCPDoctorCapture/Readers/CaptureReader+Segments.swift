extension CaptureReader {
    /// Reads a capture file and calls `onSegment` for every TCP segment in it, in file order.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - onSegment: called once per TCP segment; packet numbers count from 1 in each file.
    ///   - onWarning: called for a truncated tail, the first malformed packets, and each link type
    ///     the decoder does not understand; reading goes on after each.
    ///   - onProgress: called with the byte offset of every 65536th packet, for a progress display;
    ///     nil costs nothing.
    /// - Returns: the counts of packets by outcome.
    /// - Throws: `CaptureError` when the file cannot be read, is not a capture, or is corrupt; the
    ///   segments before the corruption have been delivered.
    public static func readSegments(
        from path: String,
        onSegment: (TCPSegment) -> Void,
        onWarning: (CaptureError) -> Void = { _ in },
        onProgress: ((_ byteOffset: Int64) -> Void)? = nil
    ) throws(CaptureError) -> CaptureStatistics {
        try ClosureSink.with(onSegment) { (sink) throws(CaptureError) in
            try readSegments(from: path, into: &sink, onWarning: onWarning, onProgress: onProgress)
        }
    }

    /// Delivers every TCP segment of a capture file to `sink`, as `readSegments(from:onSegment:)`
    /// does; the sink holds what it learned also when reading fails.
    static func readSegments<Sink: SegmentSink>(
        from path: String,
        into sink: inout Sink,
        onWarning: (CaptureError) -> Void,
        onProgress: ((_ byteOffset: Int64) -> Void)?
    ) throws(CaptureError) -> CaptureStatistics {
        try SegmentExtractor.run(
            file: path,
            sink: &sink,
            onWarning: onWarning,
            onProgress: onProgress
        ) { (extractor) throws(CaptureError) in
            try forEachPacket(inFile: path, into: &extractor, onWarning: onWarning)
        }
    }

    /// Reads several capture files in turn, as `readSegments(from:onSegment:onWarning:)` does for one.
    ///
    /// - Parameter onSegment: called with each segment and the index in `paths` of its file.
    /// - Throws: the first file's `CaptureError`; the files after it are not read.
    public static func readSegments(
        from paths: [String],
        onSegment: (TCPSegment, Int) -> Void,
        onWarning: (CaptureError) -> Void = { _ in }
    ) throws(CaptureError) -> CaptureStatistics {
        var total = CaptureStatistics()
        for (index, path) in paths.enumerated() {
            let statistics = try readSegments(
                from: path,
                onSegment: { onSegment($0, index) },
                onWarning: onWarning
            )
            total.add(statistics)
        }
        return total
    }

    /// Reads the TCP segments of a capture held in memory, as `readSegments(from:)` does for a file.
    ///
    /// - Parameter chunkLength: when given, the bytes are parsed in pieces of this size, as from a pipe.
    public static func readSegments(
        in bytes: UnsafeRawBufferPointer,
        name: String = "",
        chunkLength: Int? = nil,
        onSegment: (TCPSegment) -> Void,
        onWarning: (CaptureError) -> Void = { _ in }
    ) throws(CaptureError) -> CaptureStatistics {
        try ClosureSink.with(onSegment) { (sink) throws(CaptureError) in
            try SegmentExtractor.run(
                file: name,
                sink: &sink,
                onWarning: onWarning,
                onProgress: nil
            ) { (extractor) throws(CaptureError) in
                try forEachPacket(
                    in: bytes,
                    name: name,
                    chunkLength: chunkLength,
                    into: &extractor,
                    onWarning: onWarning
                )
            }
        }
    }
}

/// Decodes packets into segments for a `SegmentSink` and counts them, turning the first problems
/// into warnings.
///
/// The reader's sink for `readSegments`: the decoder's common case is inlined into the parser's
/// record loop, everything else goes through `takeUncommon`.
struct SegmentExtractor<Sink: SegmentSink>: PacketSink {
    /// How many malformed packets of one file are reported one by one before a summary.
    static var malformedWarningLimit: Int { 5 }

    let file: String
    private(set) var sink: Sink
    private let onWarning: (CaptureError) -> Void
    private let onProgress: ((_ byteOffset: Int64) -> Void)?
    private var statistics = CaptureStatistics()
    private var reportedLinkTypes: [LinkType] = []
    /// The segment the common case decodes into, field by field, for every packet.
    private var segment = TCPSegment.zero
    /// What the common case counts, apart from `statistics` so that it costs two additions: each
    /// is a packet and a TCP segment. `finish` adds them in.
    private var commonSegments: UInt64 = 0
    private var commonBytes: UInt64 = 0

    private init(
        file: String,
        sink: Sink,
        onWarning: @escaping (CaptureError) -> Void,
        onProgress: ((_ byteOffset: Int64) -> Void)?
    ) {
        self.file = file
        self.sink = sink
        self.onWarning = onWarning
        self.onProgress = onProgress
    }

    /// Runs `read` with an extractor that feeds `sink` (given back also when `read` throws) and
    /// calls the caller's callbacks, which never escape it; returns the statistics of the file.
    static func run(
        file: String,
        sink: inout Sink,
        onWarning: (CaptureError) -> Void,
        onProgress: ((_ byteOffset: Int64) -> Void)?,
        _ read: (inout SegmentExtractor) throws(CaptureError) -> Void
    ) throws(CaptureError) -> CaptureStatistics {
        try withoutActuallyEscaping(onWarning) { (onWarning) throws(CaptureError) in
            var extractor = SegmentExtractor(file: file, sink: sink, onWarning: onWarning, onProgress: onProgress)
            defer { sink = extractor.sink }
            try read(&extractor)
            return extractor.finish()
        }
    }

    @inline(__always)
    mutating func take(_ packet: CapturePacket) {
        if let onProgress, packet.packetNumber & 0xffff == 0 { onProgress(packet.fileOffset) }
        segment.timestampNanoseconds = packet.timestampNanoseconds
        segment.packetNumber = packet.packetNumber
        if PacketDecoder.decodeCommon(
            packet.bytes,
            linkType: packet.linkType,
            originalLength: Int(packet.originalLength),
            into: &segment
        ) {
            commonSegments &+= 1
            commonBytes &+= UInt64(truncatingIfNeeded: packet.bytes.count)
            sink.take(segment)
        } else {
            // The fields one by one: a `CapturePacket` argument would be built in memory for
            // every packet, the common ones included.
            takeUncommon(
                packet.bytes,
                linkType: packet.linkType,
                timestampNanoseconds: packet.timestampNanoseconds,
                originalLength: packet.originalLength,
                packetNumber: packet.packetNumber,
                fileOffset: packet.fileOffset
            )
        }
    }

    /// The general decoder, for every packet `decodeCommon` leaves to it.
    @inline(never)
    private mutating func takeUncommon(
        _ bytes: UnsafeRawBufferPointer,
        linkType: LinkType,
        timestampNanoseconds: Int64,
        originalLength: UInt32,
        packetNumber: UInt64,
        fileOffset: Int64
    ) {
        let packet = CapturePacket(
            bytes: bytes,
            linkType: linkType,
            timestampNanoseconds: timestampNanoseconds,
            originalLength: originalLength,
            packetNumber: packetNumber,
            fileOffset: fileOffset
        )
        var segment = TCPSegment.zero
        segment.timestampNanoseconds = packet.timestampNanoseconds
        segment.packetNumber = packet.packetNumber
        let outcome = PacketDecoder.decode(
            packet.bytes,
            linkType: packet.linkType,
            originalLength: Int(packet.originalLength),
            into: &segment
        )
        statistics.count(outcome, capturedLength: packet.bytes.count)
        switch outcome {
        case .tcp:
            sink.take(segment)
        case .malformed(let problem):
            if statistics.malformed <= UInt64(Self.malformedWarningLimit) {
                onWarning(
                    CaptureError(
                        .malformedPacket,
                        problem.description,
                        file: file,
                        byteOffset: packet.fileOffset,
                        packetNumber: packet.packetNumber
                    )
                )
            }
        case .unsupportedLinkType:
            if !reportedLinkTypes.contains(packet.linkType) {
                reportedLinkTypes.append(packet.linkType)
                onWarning(
                    CaptureError(
                        .unsupportedLinkType,
                        "link type \(packet.linkType) is not supported; its packets are counted, not decoded",
                        file: file,
                        byteOffset: packet.fileOffset,
                        packetNumber: packet.packetNumber
                    )
                )
            }
        case .notTCP, .fragment, .truncated:
            break
        }
    }

    /// The statistics of the file, after a summary warning for malformed packets not reported singly.
    private mutating func finish() -> CaptureStatistics {
        statistics.packets += commonSegments
        statistics.tcpSegments += commonSegments
        statistics.capturedBytes += commonBytes
        let limit = UInt64(Self.malformedWarningLimit)
        if statistics.malformed > limit {
            onWarning(
                CaptureError(
                    .malformedPacket,
                    "\(statistics.malformed - limit) more malformed packets were counted and skipped",
                    file: file
                )
            )
        }
        statistics.files = 1
        return statistics
    }
}
