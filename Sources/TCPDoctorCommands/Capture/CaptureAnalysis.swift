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
        var first = Int64.max
        var last = Int64.min
        for path in paths {
            progress.begin(file: path)
            var lastPacketNumber: UInt64 = 0
            var segmentsInFile: UInt64 = 0
            do {
                let statistics = try CaptureReader.readSegments(
                    from: path,
                    onSegment: { segment in
                        lastPacketNumber = segment.packetNumber
                        segmentsInFile &+= 1
                        let time = segment.timestampNanoseconds
                        if time < first { first = time }
                        if time > last { last = time }
                        if packetOffset == 0 {
                            // The first file: no copy of the segment to renumber it.
                            analyzer.process(segment, finished: onConnection)
                        } else {
                            var renumbered = segment
                            renumbered.packetNumber &+= packetOffset
                            analyzer.process(renumbered, finished: onConnection)
                        }
                    },
                    onWarning: { warning in
                        progress.clear()
                        outcome.warnings.append(warning)
                        onWarning(warning)
                    },
                    onProgress: progress.isEnabled ? { progress.update(byteOffset: $0) } : nil
                )
                progress.clear()
                outcome.statistics.add(statistics)
                packetOffset &+= statistics.packets
                if let error = undecodable(statistics, path: path, warnings: outcome.warnings) {
                    outcome.error = error
                    break
                }
            } catch {
                progress.clear()
                outcome.statistics.files += 1
                outcome.statistics.packets += lastPacketNumber
                outcome.statistics.tcpSegments += segmentsInFile
                outcome.error = error
                break
            }
        }
        analyzer.finish(atEndNanoseconds: last == .min ? 0 : last, onConnection)
        outcome.connections = Int(analyzer.connectionsFinished)
        outcome.peakOpenConnections = analyzer.peakOpenConnections
        if first <= last {
            outcome.firstTimestampNanoseconds = first
            outcome.lastTimestampNanoseconds = last
        }
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
