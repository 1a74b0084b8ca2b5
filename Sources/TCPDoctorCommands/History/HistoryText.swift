import TCPDoctorCore
import TCPDoctorOutput

/// The text of `tcpdoctor history`: per group that changed, a sparkline per state that changed,
/// with its range and the time axis's ends, then what the state does.
enum HistoryText {
    /// The state column: two spaces, the longest state name (ESTABLISHED), two spaces.
    private static let labelWidth = 15

    /// Writes `report` fitted to `width` columns.
    ///
    /// - Parameters:
    ///   - database: The database file, named in the first line.
    ///   - width: The terminal's columns (80 when not a terminal).
    static func write(_ report: HistoryReport, database: String, width: Int, to out: inout OutputBuffer) {
        let range =
            "\(TrendText.utc(report.since, relativeTo: report.until)) to \(TrendText.utc(report.until, relativeTo: report.until))"
        let changed = report.groups.count
        let heading =
            "History of \(TextEscaping.escaped(database)) from \(range): \(changed) group\(changed == 1 ? "" : "s") "
            + "changed, \(report.skippedFlat) unchanged group\(report.skippedFlat == 1 ? "" : "s") not shown."
        out.write(TextWrap.wrap(heading, width: width, indent: "") + "\n")
        if report.groups.isEmpty {
            out.write("Nothing changed in this range; widen it with --since or check the filter.\n")
            return
        }
        var breaks = 0
        for group in report.groups {
            out.write("\n" + TextWrap.wrap(group.group.heading, width: width, indent: "") + "\n")
            for state in group.states {
                breaks += write(state, pid: group.group.pid, reference: report.until, width: width, to: &out)
            }
        }
        if breaks > 0 {
            let note =
                "\(Sparkline.breakMark) marks a break in a chart: the clock went back or no sample came for over "
                + "\(TrendText.duration(TimeSeries.defaultMaxGap)); trends use only the points after the last break."
            out.write("\n" + TextWrap.wrap(note, width: width, indent: "") + "\n")
        }
    }

    /// One state: its chart line, its time axis and its sentence; returns the breaks drawn.
    private static func write(
        _ state: HistoryReport.StateReport,
        pid: Int32?,
        reference: Double,
        width: Int,
        to out: inout OutputBuffer
    ) -> Int {
        let values = state.series.points.map(\.value)
        let range = "  min \(number(values.min() ?? 0)) max \(number(values.max() ?? 0))"
        let chartWidth = max(width - labelWidth - range.count, 10)
        // From 0, so that the height of a block reads as a count and noise on a pile stays small.
        let chart = Sparkline(state.series, width: chartWidth, baseline: 0)
        let name = state.state.netstatName
        out.write("  " + name + String(repeating: " ", count: max(labelWidth - 2 - name.count, 1)))
        out.write(chart.text + range + "\n")
        if let start = chart.start, let end = chart.end {
            let left = TrendText.utc(start, relativeTo: reference)
            let right = TrendText.utc(end, relativeTo: reference)
            let gap = chart.text.count - left.count - right.count
            out.write(String(repeating: " ", count: labelWidth))
            out.write(gap >= 1 ? left + String(repeating: " ", count: gap) + right + "\n" : "\(left) - \(right)\n")
        }
        out.write(
            TextWrap.wrap(state.sentence(pid: pid), width: width, indent: String(repeating: " ", count: labelWidth))
        )
        out.write("\n")
        return chart.breaks
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : TrendText.decimal(value, places: 2)
    }
}
