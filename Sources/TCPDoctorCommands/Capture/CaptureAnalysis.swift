import TCPDoctorCapture
import TCPDoctorCore

/// Reads capture files in order as one capture and hands out each connection as soon as the
/// analyzer is done with it.
///
/// Nothing is kept per connection here: a connection goes to `onConnection` and is forgotten, so
/// memory follows the connections open at once, as in `ConnectionAnalyzer`. Several files are one
/// capture cut in pieces (`tcpdump -C` or `-G`): packet numbers count on across files, as in
/// `mergecap -a`, so that a connection split over two files stays one connection.
enum CaptureAnalysis {
    /// What reading produced besides the connections.
    struct Outcome {
        /// Counts over the files read; for a file that failed, the packets up to its last TCP segment.
        var statistics = CaptureStatistics()
        /// Connections handed out, before any filter.
        var connections = 0
        var firstTimestampNanoseconds: Int64?
        var lastTimestampNanoseconds: Int64?
        var peakOpenConnections = 0
        /// Problems read past: a truncated tail, malformed packets, unknown link types.
        var warnings: [CaptureError] = []
        /// The problem that stopped reading; the connections before it were handed out.
        var error: CaptureError?
    }

    /// Runs the analysis.
    ///
    /// - Parameters:
    ///   - onWarning: called at once for each warning (also collected in the outcome).
    ///   - onConnection: called with each connection, in the order the analyzer finishes them.
    static func run(
        paths: [String],
        configuration: ConnectionAnalyzer.Configuration,
        progress: CaptureProgress,
        onWarning: (CaptureError) -> Void,
        onConnection: (Connection) -> Void
    ) -> Outcome {
        var outcome = Outcome()
        var analyzer = ConnectionAnalyzer(configuration: configuration)
        var packetOffset: UInt64 = 0
        for path in paths {
            progress.begin(file: path)
            let reading = analyzer.read(
                file: path,
                packetNumberOffset: packetOffset,
                onConnection: onConnection,
                onWarning: { warning in
                    progress.clear()
                    outcome.warnings.append(warning)
                    onWarning(warning)
                },
                onProgress: progress.isEnabled ? { progress.update(byteOffset: $0) } : nil
            )
            progress.clear()
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

    /// A file whose packets are all malformed or of unknown link types is not a capture of
    /// anything tcpdoctor can read: an error rather than an empty report.
    static func undecodable(_ statistics: CaptureStatistics, path: String, warnings: [CaptureError]) -> CaptureError? {
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
