import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorOutput

/// The `tcpdoctor capture --json` document, written while the capture is read.
///
/// The opening and `"connections": [` are written with the first connection (or at the end); each
/// connection follows as the analyzer hands it out; the statistics, totals, findings, warnings and
/// error close the document once reading is over, also when nothing could be read, so that
/// `--json` always gives one document.
struct CaptureJSONDocument: ~Copyable {
    private var json: JSONWriter
    private let files: [String]
    private var started = false
    private(set) var written = 0

    init(files: [String], out: consuming OutputBuffer) {
        self.files = files
        self.json = JSONWriter(out)
    }

    private mutating func start() {
        guard !started else { return }
        started = true
        json.beginObject()
        json.key("files")
        json.beginArray()
        for file in files { json.value(file) }
        json.endArray()
        json.key("connections")
        json.beginArray()
    }

    /// Streams one connection.
    mutating func add(_ connection: Connection) {
        start()
        written += 1
        ConnectionJSON.write(connection, index: written, to: &json)
    }

    /// Closes the document with everything known only at the end.
    mutating func finish(outcome: CaptureAnalysis.Outcome, summary: CaptureSummary, filtered: Bool) {
        start()
        json.endArray()
        json.key("statistics")
        Self.statistics(outcome, &json)
        // `totals`, not `summary`: a finding's `summary` is its one-line text, and a key has one type.
        json.key("totals")
        Self.summary(summary, outcome: outcome, filtered: filtered, &json)
        json.key("findings")
        json.beginArray()
        for finding in summary.findings() { FindingJSON.write(finding, to: &json) }
        json.endArray()
        json.key("warnings")
        json.beginArray()
        for warning in outcome.warnings { Self.problem(warning, &json) }
        json.endArray()
        json.key("error")
        if let error = outcome.error { Self.problem(error, &json) } else { json.null() }
        json.endObject()
        json.finish()
    }

    private static func statistics(_ outcome: CaptureAnalysis.Outcome, _ json: inout JSONWriter) {
        let statistics = outcome.statistics
        json.beginObject()
        json.key("files")
        json.value(statistics.files)
        json.key("packets")
        json.value(statistics.packets)
        json.key("captured_bytes")
        json.value(statistics.capturedBytes)
        json.key("tcp_segments")
        json.value(statistics.tcpSegments)
        json.key("non_tcp")
        json.value(statistics.nonTCP)
        json.key("fragments")
        json.value(statistics.fragments)
        json.key("truncated")
        json.value(statistics.truncated)
        json.key("malformed")
        json.value(statistics.malformed)
        json.key("unsupported_link_type")
        json.value(statistics.unsupportedLinkType)
        json.key("first_time")
        if let first = outcome.firstTimestampNanoseconds {
            json.value(secondsFromNanoseconds: first)
        } else {
            json.null()
        }
        json.key("last_time")
        if let last = outcome.lastTimestampNanoseconds { json.value(secondsFromNanoseconds: last) } else { json.null() }
        json.key("peak_open_connections")
        json.value(outcome.peakOpenConnections)
        json.endObject()
    }

    private static func summary(
        _ summary: CaptureSummary,
        outcome: CaptureAnalysis.Outcome,
        filtered: Bool,
        _ json: inout JSONWriter
    ) {
        json.beginObject()
        json.key("connections")
        json.value(summary.connections)
        json.key("connections_read")
        json.value(outcome.connections)
        json.key("filtered")
        json.value(filtered)
        json.key("started_mid_stream")
        json.value(summary.startedMidStream)
        json.key("packets")
        json.value(summary.packets)
        json.key("bytes")
        json.value(summary.bytes)
        json.key("by_ending")
        json.beginObject()
        for ending in Connection.Ending.allCases {
            json.key(dynamic: ending.rawValue)
            json.value(summary.byEnding[ending, default: 0])
        }
        json.endObject()
        json.key("by_active_closer")
        json.beginObject()
        var closed = 0
        for closer in Connection.Closer.allCases {
            let count = summary.byActiveCloser[closer, default: 0]
            closed += count
            json.key(dynamic: closer.rawValue)
            json.value(count)
        }
        json.key("none")
        json.value(summary.connections - closed)
        json.endObject()
        json.key("by_conn_state")
        json.beginObject()
        for state in ZeekConnState.allCases {
            json.key(dynamic: state.rawValue)
            json.value(summary.byZeekState[state, default: 0])
        }
        json.endObject()
        json.key("close_wait_most")
        groups(CaptureReport.mostCloseWait(summary), &json)
        json.key("close_wait_longest")
        groups(CaptureReport.longestCloseWait(summary), &json)
        json.endObject()
    }

    private static func groups(_ groups: [CloseWaitGroup], _ json: inout JSONWriter) {
        json.beginArray()
        for group in groups {
            let isClient = group.key.holderRole == .originator
            json.beginObject()
            json.key("holder")
            json.value(isClient ? "\(group.key.holder.address)" : "\(group.key.holder)")
            json.key("holder_role")
            json.value(group.key.holderRole.rawValue)
            json.key("peer")
            json.value(group.peerText)
            json.key("connections")
            json.value(group.connections)
            json.key("held_connections")
            json.value(group.heldConnections)
            json.key("longest_seconds")
            json.value(group.longestSeconds)
            json.key("mean_seconds")
            json.value(group.meanHeldSeconds)
            json.key("open_at_end")
            json.value(group.openAtEnd)
            json.key("late_fin_resets")
            json.value(group.lateFINResets)
            json.key("resets_by_peer")
            json.value(group.resetsByPeer)
            json.key("example_packet")
            json.value(group.longestFirstPacketNumber)
            json.endObject()
        }
        json.endArray()
    }

    /// A warning or error: its code, message, file, byte offset and packet.
    static func problem(_ problem: CaptureError, _ json: inout JSONWriter) {
        json.beginObject()
        json.key("code")
        json.value(identifier(problem.code))
        json.key("message")
        json.value(problem.message)
        json.key("file")
        json.value(problem.file)
        json.key("byte_offset")
        if let offset = problem.byteOffset { json.value(offset) } else { json.null() }
        json.key("packet")
        if let packet = problem.packetNumber { json.value(packet) } else { json.null() }
        json.endObject()
    }

    /// `empty_file`, `not_a_capture`, `truncated`, `corrupt_block`, `io`...: the code as a JSON word.
    static func identifier(_ code: CaptureError.Code) -> String {
        code == .io ? "io" : String(code.description.map { $0 == " " ? "_" : $0 })
    }
}
