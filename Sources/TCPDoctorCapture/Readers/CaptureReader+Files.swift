import SystemPackage
import TCPDoctorSystem

extension CaptureReader {
    /// Parses a regular file, read with pread(2) in chunks that stay in the CPU's cache.
    ///
    /// Never memory-mapped: another process may truncate the file while it is read (a rotating
    /// tcpdump, an operator's `truncate`), and touching a mapped page past the new end raises
    /// SIGBUS, which would kill the process; a read there returns 0 instead, so the reader sees a
    /// shorter file, reports what it read and warns that the file shrank. Reading copies every
    /// byte once, but the copy leaves the bytes in the cache for the parser and costs no page
    /// faults and no page-table teardown. For records of 64 KiB (segmentation offload), of which
    /// the analysis reads only the headers, a map touched fewer bytes; the copy of the rest is the
    /// price of not crashing (BENCHMARKS.md, bulk-gso).
    static func parseFile<P: CaptureParser, Sink: PacketSink>(
        _ input: CaptureInput,
        with parser: inout P,
        into sink: inout Sink,
        onWarning: (CaptureError) -> Void
    ) throws(CaptureError) {
        var readError: Errno?
        var fileOffset: Int64 = 0
        try parseChunks(
            with: &parser,
            initialCapacity: fileChunkLength,
            fill: { buffer in
                guard buffer.baseAddress != nil else { return 0 }
                switch systemPread(input.descriptor, buffer, offset: fileOffset) {
                case .success(let count):
                    fileOffset += Int64(count)
                    return count
                case .failure(let error):
                    readError = error
                    return 0
                }
            },
            into: &sink,
            onWarning: onWarning,
            readError: { readError }
        )
        if let size = input.size, fileOffset < size {
            onWarning(
                CaptureError(
                    .truncated,
                    "the file shrank from \(size) to \(fileOffset) bytes while it was read "
                        + "(cut by another process); the \(parser.packetsParsed) packets before its new end were read",
                    file: parser.file,
                    byteOffset: fileOffset
                )
            )
        }
    }
}
