import Glibc
import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorOutput

/// `tcpdoctor capture --ladder`: `Ladder.search` finds one connection and reads its packets
/// again; this draws it in the terminal and, with `--svg`, into a file.
struct LadderCommand {
    var files: [String]
    var filter: ConnectionFilter
    var configuration: ConnectionAnalyzer.Configuration
    var svgPath: String?

    func run(_ selection: Ladder.Selection, progress: CaptureProgress, style: TerminalStyle) throws {
        let search = Ladder.search(
            paths: files,
            selection: selection,
            filter: filter,
            configuration: configuration,
            observer: progress.observer(onWarning: { Diagnostics.warn($0.description) })
        )
        let outcome = search.outcome
        let matching = search.matching
        guard let ladder = search.ladder else {
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
