extension CaptureReader {
    /// How much of a regular file is read before deciding how to read the rest.
    static let probeLength: Int64 = 1024 * 1024
    /// The average record length from which a file is mapped rather than read.
    static let mappedRecordLength: Int64 = 16 * 1024

    /// Parses a regular file: read in chunks that stay in the CPU's cache, or mapped when its
    /// records are large.
    ///
    /// Reading copies every byte once, but the copy leaves the bytes in the cache for the parser
    /// and costs no page faults, no page-table teardown and no resident file pages: for captures
    /// of small packets it is faster than a map (about a tenth on a capture of 50,000 short
    /// connections, a quarter on one of 1448-byte segments). With segmentation offload, records
    /// are up to 64 KiB of payload the analysis never looks at, and a map, which touches only
    /// the pages with headers, wins. The first `probeLength` bytes decide.
    static func parseFile<P: CaptureParser, Sink: PacketSink>(
        _ input: CaptureInput,
        with parser: inout P,
        into sink: inout Sink,
        onWarning: (CaptureError) -> Void
    ) throws(CaptureError) {
        var readError: Int32?
        var fileOffset: Int64 = 0
        let fill: (UnsafeMutableRawBufferPointer) -> Int = { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            switch CaptureSyscalls.read(input.descriptor, into: base, count: buffer.count, at: fileOffset) {
            case .success(let count):
                fileOffset += Int64(count)
                return count
            case .failure(let error):
                readError = error.value
                return 0
            }
        }
        guard
            let probed = try parseChunks(
                with: &parser,
                initialCapacity: fileChunkLength,
                stopOffset: probeLength,
                fill: fill,
                into: &sink,
                onWarning: onWarning,
                readError: { readError }
            )
        else { return }
        let packets = Int64(clamping: parser.packetsParsed)
        if probed >= mappedRecordLength * max(packets, 1), let mapping = input.map(), let start = Int(exactly: probed) {
            try parseMapped(mapping, from: start, with: &parser, into: &sink, onWarning: onWarning)
            return
        }
        fileOffset = probed
        try parseChunks(
            with: &parser,
            initialCapacity: fileChunkLength,
            startOffset: probed,
            fill: fill,
            into: &sink,
            onWarning: onWarning,
            readError: { readError }
        )
    }
}
