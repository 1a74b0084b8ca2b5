extension ConnectionAnalyzer {
    /// What reading one capture file into the analyzer gave.
    public struct FileReading: Sendable {
        /// The counts of the file; when reading failed, of its packets up to its last TCP segment.
        public var statistics: CaptureStatistics
        /// The problem that stopped reading; the segments before it were analyzed.
        public var error: CaptureError?
    }

    /// Reads a capture file into the analyzer, giving each connection it finishes to
    /// `onConnection` as `process(_:finished:)` does; call `finish(atEndNanoseconds:_:)` after the
    /// last file.
    ///
    /// The same as `CaptureReader.readSegments(from:onSegment:)` feeding `process(_:finished:)`,
    /// but the decoder hands each segment straight to the analyzer, in one compiled loop: that
    /// pairing's two closure calls per segment cost 2.8% more instructions on a capture of short
    /// connections.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - packetNumberOffset: added to every packet number, so that files read in turn (a capture
    ///     cut in pieces) number their packets as one capture.
    ///   - onWarning: called for each warning, as `readSegments` does.
    ///   - onProgress: called with the byte offset of every 65536th packet; nil costs nothing.
    public mutating func read(
        file path: String,
        packetNumberOffset: UInt64 = 0,
        onConnection: (Connection) -> Void,
        onWarning: (CaptureError) -> Void = { _ in },
        onProgress: ((_ byteOffset: Int64) -> Void)? = nil
    ) -> FileReading {
        let segmentsBefore = segmentsProcessed
        return withUnsafeMutablePointer(to: &self) { analyzer in
            withoutActuallyEscaping(onConnection) { onConnection in
                var sink = AnalyzerSink(
                    analyzer: analyzer,
                    packetNumberOffset: packetNumberOffset,
                    onConnection: onConnection
                )
                do throws(CaptureError) {
                    let statistics = try CaptureReader.readSegments(
                        from: path,
                        into: &sink,
                        onWarning: onWarning,
                        onProgress: onProgress
                    )
                    return FileReading(statistics: statistics, error: nil)
                } catch {
                    var statistics = CaptureStatistics()
                    statistics.files = 1
                    statistics.packets = sink.lastPacketNumber
                    statistics.tcpSegments = analyzer.pointee.segmentsProcessed - segmentsBefore
                    return FileReading(statistics: statistics, error: error)
                }
            }
        }
    }
}

/// Feeds the segments of one file to an analyzer.
///
/// Holds the analyzer by pointer, for the duration of `ConnectionAnalyzer.read` only: a copy would
/// share the analyzer's storage and copy all of it on the first change.
private struct AnalyzerSink: SegmentSink {
    let analyzer: UnsafeMutablePointer<ConnectionAnalyzer>
    let packetNumberOffset: UInt64
    let onConnection: (Connection) -> Void
    /// The packet number in the file of the last segment, to count the packets read when reading
    /// fails.
    var lastPacketNumber: UInt64 = 0

    @inline(__always)
    mutating func take(_ segment: TCPSegment) {
        lastPacketNumber = segment.packetNumber
        if packetNumberOffset == 0 {
            analyzer.pointee.process(segment, finished: onConnection)
        } else {
            var renumbered = segment
            renumbered.packetNumber &+= packetNumberOffset
            analyzer.pointee.process(renumbered, finished: onConnection)
        }
    }
}
