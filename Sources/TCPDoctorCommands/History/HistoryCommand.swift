import ArgumentParser
import Foundation
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorOutput
import TCPDoctorSystem

/// What `history` prints on standard output.
enum HistoryFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, openmetrics
}

/// `tcpdoctor history`: trends, first-seen times, growth rates and fd-limit forecasts from the
/// database `tcpdoctor record` writes.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show trends, growth rates and fd-limit forecasts from the record database.",
        usage: "tcpdoctor history [<options>]",
        discussion: """
            For each group (namespace, process, local port or peer) whose counts changed in the range: \
            a chart per state that changed, whether it grows, holds or drains, since when, how fast \
            (a least-squares fit over --window), and when the process reaches its fd soft limit. \
            The database is opened read-only; `tcpdoctor record` writes it. --format openmetrics \
            exports every sample for `promtool tsdb create-blocks-from openmetrics`.
            """
    )

    @Option(help: "The database file (default: record's, /var/lib/tcpdoctor/history.sqlite as root).")
    var db: String?
    @Option(
        help:
            "Start: a duration back from now (30m, 6h, 30d) or a UTC date (2026-12-07T13:00Z, '2026-12-07 13:00', 2026-12-07)."
    )
    var since: String = "6h"
    @Option(help: "End: a date or a duration back from now (default: now).")
    var until: String?
    @Option(help: "Only processes with this command name.") var process: String?
    @Option(help: "Only this process.") var pid: Int32?
    @Option(help: "Only groups of this local port.") var port: UInt16?
    @Flag(help: "Print one JSON document (same as --format json).") var json = false
    @Option(help: "Output format: text, json or openmetrics.") var format: HistoryFormat?
    @Option(help: ArgumentHelp("Also draw the charts as an SVG picture into FILE.", valueName: "file"))
    var svg: String?
    @Option(help: "The fit window of the trends, a duration.") var window: String = "1h"

    func validate() throws {
        _ = try range(now: Date().timeIntervalSince1970)
        if [process != nil, pid != nil, port != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--process, --pid and --port select one way; give only one of them.")
        }
        if json, let format, format != .json {
            throw ValidationError("--json asks for JSON but --format asks for \(format.rawValue); give one of them.")
        }
        _ = try fitWindow()
    }

    /// The output format: --format, or JSON with --json, else text.
    var output: HistoryFormat { format ?? (json ? .json : .text) }

    /// The range asked for, seconds since the Unix epoch.
    func range(now: Double) throws -> (since: Double, until: Double) {
        let start = try Self.moment(since, flag: "--since", now: now)
        let end = try until.map { try Self.moment($0, flag: "--until", now: now) } ?? now
        guard start <= end else {
            throw ValidationError(
                "--since \(since) (\(TrendText.iso8601(start))) is after --until "
                    + "(\(TrendText.iso8601(end))); give a start before the end."
            )
        }
        return (start, end)
    }

    func fitWindow() throws -> Double {
        guard let seconds = HistoryTime.duration(window), seconds > 0 else {
            throw ValidationError("--window: '\(window)' is not a duration (such as 30m or 1h).")
        }
        return seconds
    }

    private static func moment(_ text: String, flag: String, now: Double) throws -> Double {
        guard let moment = HistoryTime.parse(text, now: now) else {
            throw ValidationError(
                "\(flag): '\(text)' is neither a duration (30m, 6h, 30d) nor a UTC date "
                    + "(2026-12-07T13:00Z, '2026-12-07 13:00', 2026-12-07)."
            )
        }
        return moment
    }

    func run() throws {
        let path = db ?? HistoryLocation.defaultPath()
        let (start, end) = try range(now: Date().timeIntervalSince1970)
        let series: [HistorySeries]
        var unchanged = 0
        var options = TrendOptions()
        options.window = try fitWindow()
        do {
            let reader = try HistoryReader(path: path)
            if output == .openmetrics {
                series = try reader.series(since: start, until: end, matching: matches)
            } else {
                // A long range is drawn from buckets; the fit windows keep every sample.
                (series, unchanged) = try reader.changingSeries(
                    since: start,
                    until: end,
                    detail: HistoryDetail.forRange(since: start, until: end, window: options.window),
                    matching: matches
                )
            }
        } catch {
            throw CommandFailure(ExitStatus.historyUnusable, error.description)
        }
        // Not needed for OpenMetrics alone, which exports the samples as they are.
        lazy var report = HistoryReport(
            entries: series.map(\.reportEntry),
            since: start,
            until: end,
            options: options,
            unchangedGroups: unchanged
        )
        if let svg {
            let picture = HistorySVG.render(report)
            if case .failure(let error) = systemWriteFileAtomically(svg, Array(picture.utf8)) {
                throw CommandFailure(
                    ExitStatus.badInput,
                    "\(svg): cannot write the SVG picture: \(error.call) failed: \(error.errno)."
                )
            }
        }
        switch output {
        case .text:
            var out = OutputBuffer()
            let columns = out.isTerminal ? (try? systemTerminalColumns(1).get()).flatMap { $0 > 0 ? $0 : nil } : nil
            HistoryText.write(report, database: path, width: columns ?? 80, to: &out)
            out.flush()
        case .json:
            var writer = JSONWriter(OutputBuffer())
            HistoryJSON.write(report, to: &writer)
            writer.finish()
        case .openmetrics:
            var out = OutputBuffer()
            HistoryOpenMetrics.write(series, to: &out)
            out.flush()
        }
        if let svg { Diagnostics.note("Wrote the charts to \(svg).") }
    }

    /// Whether a group is one --process, --pid or --port asks for.
    private func matches(_ group: HistoryGroup) -> Bool {
        if let process, group.process?.command != process { return false }
        if let pid, group.process?.pid != pid { return false }
        if let port, group.placeKind != "port" || group.place != String(port) { return false }
        return true
    }
}
