import Glibc
import TCPDoctorCapture
import TCPDoctorCore

/// `tcpdoctor capture --ladder`: find one connection, read its packets again, draw it.
///
/// Two reads: the first analyses the capture to find the connection (its 4-tuple and the range
/// of its packet numbers), the second collects that connection's packets, which the streaming
/// analysis does not keep.
struct LadderCommand {
    var files: [String]
    var filter: ConnectionFilter
    var configuration: ConnectionAnalyzer.Configuration
    var svgPath: String?

    func run(_ selection: LadderSelection, progress: CaptureProgress, style: TerminalStyle) throws {
        var found: Connection?
        var foundIndex = 0
        var matching = 0
        let outcome = CaptureAnalysis.run(
            paths: files,
            configuration: configuration,
            progress: progress,
            onWarning: { Diagnostics.warn($0.description) },
            onConnection: { connection in
                guard found == nil, filter.matches(connection) else { return }
                matching += 1
                let chosen: Bool
                switch selection {
                case .index(let index): chosen = index == matching
                case .filter(let expression):
                    let record = SocketRecord(
                        state: .established,
                        local: connection.originator,
                        remote: connection.responder
                    )
                    chosen = ConnectionFilter.evaluate(expression, connection, record)
                }
                if chosen {
                    found = connection
                    foundIndex = matching
                }
            }
        )
        guard let connection = found else {
            try CaptureCommand.exit(for: outcome)
            // The capture was read and the request was well formed: it matched nothing.
            switch selection {
            case .index(let index):
                throw CommandFailure(
                    ExitStatus.nothingMatched,
                    "there is no connection \(index): the capture has \(matching) connection\(matching == 1 ? "" : "s")"
                        + (filter.isActive ? " that match the filters" : "") + " (see --connections)"
                )
            case .filter:
                throw CommandFailure(
                    ExitStatus.nothingMatched,
                    "no connection matches --ladder (see --connections for the list)"
                )
            }
        }
        var collector = LadderCollector(connection: connection)
        var offset: UInt64 = 0
        for path in files where offset < connection.lastPacketNumber {
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
        let ladder = collector.ladder(index: foundIndex)
        var out = OutputBuffer()
        LadderText.write(ladder, style: style, to: &out)
        out.flush()
        if let svgPath {
            if let problem = Self.write(LadderSVG.render(ladder), to: svgPath) {
                Diagnostics.error("\(svgPath): cannot write the SVG picture: \(problem)")
                throw ExitStatus.badInput
            }
            Diagnostics.note("Wrote the ladder diagram to \(svgPath).")
        }
        try CaptureCommand.exit(for: outcome)
    }

    /// Writes a whole file; the reason on failure.
    static func write(_ text: String, to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var text = text
        return text.withUTF8 { bytes -> String? in
            var offset = 0
            while offset < bytes.count {
                guard let base = bytes.baseAddress else { return nil }
                let written = Glibc.write(fd, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += written
            }
            return nil
        }
    }
}
