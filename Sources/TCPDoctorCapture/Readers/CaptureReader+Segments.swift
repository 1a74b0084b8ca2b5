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
        var extractor = SegmentExtractor(file: path)
        if let onProgress {
            try forEachPacket(
                inFile: path,
                onPacket: { packet in
                    if packet.packetNumber & 0xffff == 0 { onProgress(packet.fileOffset) }
                    extractor.handle(packet, onSegment: onSegment, onWarning: onWarning)
                },
                onWarning: onWarning
            )
        } else {
            try forEachPacket(
                inFile: path,
                onPacket: { extractor.handle($0, onSegment: onSegment, onWarning: onWarning) },
                onWarning: onWarning
            )
        }
        return extractor.finish(onWarning: onWarning)
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
        var extractor = SegmentExtractor(file: name)
        try forEachPacket(
            in: bytes,
            name: name,
            chunkLength: chunkLength,
            onPacket: { extractor.handle($0, onSegment: onSegment, onWarning: onWarning) },
            onWarning: onWarning
        )
        return extractor.finish(onWarning: onWarning)
    }
}

/// Decodes packets into segments and counts them, turning the first problems into warnings.
struct SegmentExtractor {
    /// How many malformed packets of one file are reported one by one before a summary.
    static let malformedWarningLimit = 5

    let file: String
    private var statistics = CaptureStatistics()
    private var reportedLinkTypes: [LinkType] = []
    /// `TCPSegment.zero`, kept here: reading the global once per packet cost a `swift_once` call.
    private let blank = TCPSegment.zero

    init(file: String) {
        self.file = file
    }

    @inline(__always)
    mutating func handle(
        _ packet: CapturePacket,
        onSegment: (TCPSegment) -> Void,
        onWarning: (CaptureError) -> Void
    ) {
        // A local rather than a stored property: passed to `onSegment` by address, not copied.
        var segment = blank
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
            onSegment(segment)
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
    mutating func finish(onWarning: (CaptureError) -> Void) -> CaptureStatistics {
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
