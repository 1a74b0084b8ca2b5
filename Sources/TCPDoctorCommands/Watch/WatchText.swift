import Glibc
import TCPDoctorCore
import TCPDoctorLinux

/// The lines of a `watch` frame: the header, then the table, as plain text (the batch block and
/// the full screen share them; the screen clips them to its size).
///
/// Every cell and every finding's text is escaped (`TextEscaping`): process names and the
/// findings that quote them are chosen by others and reach the terminal here.
enum WatchText {
    /// The header: time and refresh, totals per state, processes and costs, fd use, the worst
    /// finding.
    ///
    /// - Parameters:
    ///   - paused: Marks the header `PAUSED` (the full screen's space key).
    ///   - coverage: Adds a line with what the snapshot could not see; the batch output says it on
    ///     standard error instead, and the full screen has no other place for it.
    static func header(_ frame: WatchFrame, paused: Bool = false, coverage: Bool = false) -> [String] {
        let table = frame.table
        let time = UTCTime.text(table.takenAt)
        var lines: [String] = []
        let pausedNote = paused ? "  PAUSED" : ""
        lines.append(
            "tcpdoctor watch  \(time)  refresh \(frame.sample.number)  every \(seconds(frame.interval))  "
                + "by \(table.grouping.rawValue)  sort \(table.sort.title)\(pausedNote)"
        )
        let states = table.states.map { "\($0.netstatName) \(table.counts[$0] ?? 0)" }
        let change =
            table.totalSinceLast.map {
                "  (\(signed($0)) since last, \(signed(table.totalSinceStart)) since \(UTCTime.clock(table.startedAt)))"
            } ?? ""
        lines.append("sockets \(table.total)" + (states.isEmpty ? "" : ": " + states.joined(separator: "  ")) + change)
        lines.append(
            "processes \(frame.processes)  unattributed \(frame.unattributed)  skipped ticks \(frame.skippedTicks)  "
                + "cost \(cpu(frame.sample.cpuSeconds)) s CPU/refresh, \(frame.refreshKind)"
        )
        if let worst = table.worstFDUse, let ratio = worst.ratio, let limit = worst.softLimit {
            let command = frame.sample.input.snapshot.processes[worst.pid]?.command ?? "?"
            lines.append(
                TextEscaping.escaped(
                    "fds nearest the limit: \(command) (pid \(worst.pid)) \(worst.open) of \(limit) (\(percent(ratio)))"
                )
            )
        }
        if let finding = frame.sample.worst {
            lines.append(TextEscaping.escaped("worst: [\(finding.severity.name)] \(finding.summary)"))
        } else {
            lines.append("worst: no finding")
        }
        if !frame.filter.isEmpty { lines.append(TextEscaping.escaped("filter: \(frame.filter)")) }
        let reasons = frame.sample.input.snapshot.coverage.reasons
        if coverage, let first = reasons.first {
            let more = reasons.count > 1 ? " (and \(reasons.count - 1) more)" : ""
            lines.append(TextEscaping.escaped("not seen: \(first)\(more)"))
        }
        return lines
    }

    /// The table: a heading and one line per group, the sort column marked with `*`.
    static func table(_ table: WatchTable) -> [String] {
        let shown = table.columns
        let columns: [TextTable.Column] = shown.map { column in
            let title = column == table.sort ? column.title + "*" : column.title
            return column == .group ? .left(title) : .right(title)
        }
        var rows: [[String]] = [columns.map(\.title)]
        for row in table.rows {
            rows.append(shown.map { cell(row, $0) }.map { TextEscaping.isSafe($0) ? $0 : TextEscaping.escaped($0) })
        }
        var widths = columns.map { _ in 0 }
        for row in rows { TextTable.widen(&widths, toFit: row) }
        return rows.map { TextTable.render($0, columns: columns, widths: widths) }
    }

    /// One cell: a count, a signed change (blank on the first frame), or fd use.
    static func cell(_ row: WatchTable.Row, _ column: WatchTable.Column) -> String {
        switch column {
        case .group: row.group.label
        case .state(let state): "\(row.group.counts[state] ?? 0)"
        case .total: "\(row.group.total)"
        case .sinceLast: row.sinceLast.map(signed) ?? ""
        case .sinceStart: signed(row.sinceStart)
        case .fdUse: row.fds.map(fdUse) ?? ""
        }
    }

    /// `900/1000 90%`, or `50/unlimited` without a soft limit.
    static func fdUse(_ use: WatchTable.FDUse) -> String {
        guard let limit = use.softLimit, let ratio = use.ratio else { return "\(use.open)/unlimited" }
        return "\(use.open)/\(limit) \(percent(ratio))"
    }

    static func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : "\(value)" }

    static func percent(_ ratio: Double) -> String { "\(Int((ratio * 100).rounded(.down)))%" }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// CPU seconds with three decimals: a refresh costs milliseconds on a quiet host.
    static func cpu(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded())
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// Times in UTC for the header, from seconds since the Unix epoch.
enum UTCTime {
    /// `2026-12-07 09:30:02 UTC`.
    static func text(_ epoch: Double) -> String {
        let nanoseconds = Int64((epoch * 1e9).rounded(.down))
        guard let parts = CaptureText.brokenDown(nanoseconds) else { return "\(epoch)" }
        return "\(parts.tm_year + 1900)-\(CaptureText.two(parts.tm_mon + 1))-\(CaptureText.two(parts.tm_mday)) "
            + clock(epoch) + " UTC"
    }

    /// `09:30:02`.
    static func clock(_ epoch: Double) -> String {
        guard let parts = CaptureText.brokenDown(Int64((epoch * 1e9).rounded(.down))) else { return "\(epoch)" }
        return "\(CaptureText.two(parts.tm_hour)):\(CaptureText.two(parts.tm_min)):\(CaptureText.two(parts.tm_sec))"
    }
}
