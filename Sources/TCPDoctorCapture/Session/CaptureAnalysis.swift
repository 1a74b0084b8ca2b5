import TCPDoctorCore

/// Reads capture files in order as one capture and hands out each connection as soon as the
/// analyzer is done with it.
///
/// Nothing is kept per connection here: a connection goes to `onConnection` and is forgotten, so
/// memory follows the connections open at once, as in `ConnectionAnalyzer`. Several files are one
/// capture cut in pieces (`tcpdump -C` or `-G`): packet numbers count on across files, as in
/// `mergecap -a`, so that a connection split over two files stays one connection.
public enum CaptureAnalysis {
    /// What reading produced besides the connections.
    public struct Outcome: Sendable {
        /// Counts over the files read; for a file that failed, the packets up to its last TCP segment.
        public var statistics = CaptureStatistics()
        /// Connections handed out, before any filter.
        public var connections = 0
        /// The earliest packet timestamp of the capture, if it had packets.
        public var firstTimestampNanoseconds: Int64?
        /// The latest packet timestamp of the capture, if it had packets.
        public var lastTimestampNanoseconds: Int64?
        /// The most connections open at once.
        public var peakOpenConnections = 0
        /// Problems read past: a truncated tail, malformed packets, unknown link types.
        public var warnings: [CaptureError] = []
        /// The problem that stopped reading; the connections before it were handed out.
        public var error: CaptureError?

        /// An outcome of nothing read yet.
        public init() {}

        /// Whether there is anything to report: not when reading failed before the first TCP segment.
        public var hasReport: Bool { error == nil || statistics.tcpSegments > 0 }
    }

    /// What a caller hears while the files are read, besides the connections.
    ///
    /// A progress display hooks in here: it learns which file starts, how far reading got, and
    /// when to get out of the way of a warning.
    public struct Observer {
        /// Called with each file's path before it is read.
        public var fileStarted: (_ path: String) -> Void
        /// Called after each file, whether or not it was read to the end.
        public var fileFinished: () -> Void
        /// Called with the byte offset of every 65536th packet; nil costs nothing.
        public var progress: ((_ byteOffset: Int64) -> Void)?
        /// Called at once for each warning (also collected in the outcome).
        public var warning: (CaptureError) -> Void

        /// An observer; every hook defaults to doing nothing.
        public init(
            fileStarted: @escaping (_ path: String) -> Void = { _ in },
            fileFinished: @escaping () -> Void = {},
            progress: ((_ byteOffset: Int64) -> Void)? = nil,
            warning: @escaping (CaptureError) -> Void = { _ in }
        ) {
            self.fileStarted = fileStarted
            self.fileFinished = fileFinished
            self.progress = progress
            self.warning = warning
        }
    }

    /// Runs the analysis.
    ///
    /// - Parameters:
    ///   - paths: the capture files in capture order; `-` is standard input.
    ///   - configuration: the analyzer's settings.
    ///   - observer: hooks for progress and warnings.
    ///   - onConnection: called with each connection, in the order the analyzer finishes them.
    /// - Returns: the counts, the time range, the warnings and the error that stopped reading.
    public static func run(
        paths: [String],
        configuration: ConnectionAnalyzer.Configuration,
        observer: Observer = Observer(),
        onConnection: (Connection) -> Void
    ) -> Outcome {
        var outcome = Outcome()
        var analyzer = ConnectionAnalyzer(configuration: configuration)
        var packetOffset: UInt64 = 0
        for path in paths {
            observer.fileStarted(path)
            let reading = analyzer.read(
                file: path,
                packetNumberOffset: packetOffset,
                onConnection: onConnection,
                onWarning: { warning in
                    outcome.warnings.append(warning)
                    observer.warning(warning)
                },
                onProgress: observer.progress
            )
            observer.fileFinished()
            outcome.statistics.add(reading.statistics)
            packetOffset &+= reading.statistics.packets
            if let error = reading.error ?? undecodable(reading.statistics, path: path, warnings: outcome.warnings) {
                outcome.error = error
                break
            }
        }
        let range = analyzer.timestampRange
        analyzer.finish(atEndNanoseconds: range?.upperBound ?? 0, onConnection)
        outcome.connections = Int(analyzer.connectionsFinished)
        outcome.peakOpenConnections = analyzer.peakOpenConnections
        outcome.firstTimestampNanoseconds = range?.lowerBound
        outcome.lastTimestampNanoseconds = range?.upperBound
        return outcome
    }

    /// The error for a file whose packets are all malformed or of unknown link types.
    ///
    /// Such a file is not a capture of anything tcpdoctor can read: an error rather than an empty report.
    ///
    /// - Returns: nil when at least one packet decoded, or the file had no packets.
    public static func undecodable(
        _ statistics: CaptureStatistics,
        path: String,
        warnings: [CaptureError]
    ) -> CaptureError? {
        let bad = statistics.malformed + statistics.unsupportedLinkType
        guard statistics.packets > 0, bad == statistics.packets else { return nil }
        let firstProblem = warnings.first { $0.file == path && $0.byteOffset != nil }
        let reason = firstProblem.map { ": the first, packet \($0.packetNumber ?? 1), \($0.message)" } ?? ""
        return CaptureError(
            .malformedPacket,
            "none of its \(statistics.packets) packets could be decoded\(reason)",
            file: path,
            byteOffset: firstProblem?.byteOffset
        )
    }
}
