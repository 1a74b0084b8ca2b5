import TCPDoctorCore

extension Ladder {
    /// Which connection a ladder draws.
    public enum Selection: Equatable, Sendable {
        /// The N-th connection (from 1) among those that pass the filter, in the order the analysis
        /// finishes them: the numbering of `tcpdoctor capture --connections`.
        case index(Int)
        /// The first connection that passes the filter and matches the expression.
        case filter(SocketFilter.Expression)
    }

    /// What a ladder search found.
    public struct Search: Sendable {
        /// The diagram, or nil when no connection was selected.
        public var ladder: Ladder?
        /// How many connections passed the filter up to the chosen one (all of them if none was chosen).
        public var matching: Int
        /// The first read's outcome: counts, warnings and the error that stopped reading.
        public var outcome: CaptureAnalysis.Outcome
    }

    /// Finds one connection of a capture and draws it.
    ///
    /// Two reads: the first analyses the capture to find the connection (its 4-tuple and the range
    /// of its packet numbers), the second collects that connection's packets, which the streaming
    /// analysis does not keep. The files are therefore read twice: standard input cannot be one.
    ///
    /// - Parameters:
    ///   - paths: the capture files in capture order.
    ///   - selection: which connection to draw.
    ///   - filter: the connections among which `selection` chooses.
    ///   - configuration: the analyzer's settings.
    ///   - observer: hooks for progress and warnings during the first read.
    /// - Returns: the ladder if a connection was selected, how many matched, and the first read's outcome.
    public static func search(
        paths: [String],
        selection: Selection,
        filter: ConnectionFilter,
        configuration: ConnectionAnalyzer.Configuration,
        observer: CaptureAnalysis.Observer = CaptureAnalysis.Observer()
    ) -> Search {
        var found: Connection?
        var foundIndex = 0
        var matching = 0
        let outcome = CaptureAnalysis.run(
            paths: paths,
            configuration: configuration,
            observer: observer,
            onConnection: { connection in
                guard found == nil, filter.matches(connection) else { return }
                matching += 1
                let chosen: Bool
                switch selection {
                case .index(let index): chosen = index == matching
                case .filter(let expression): chosen = ConnectionFilter.evaluate(expression, connection)
                }
                if chosen {
                    found = connection
                    foundIndex = matching
                }
            }
        )
        guard let connection = found else { return Search(ladder: nil, matching: matching, outcome: outcome) }
        var collector = LadderCollector(connection: connection)
        var offset: UInt64 = 0
        for path in paths where offset < connection.lastPacketNumber {
            do {
                let statistics = try CaptureReader.readSegments(
                    from: path,
                    onSegment: { segment in
                        var segment = segment
                        segment.packetNumber &+= offset
                        if collector.belongs(segment) { collector.add(segment) }
                    }
                )
                offset &+= statistics.packets
            } catch {
                // The first read reported this already; the ladder shows what came before it.
                break
            }
        }
        return Search(ladder: collector.ladder(index: foundIndex), matching: matching, outcome: outcome)
    }
}
