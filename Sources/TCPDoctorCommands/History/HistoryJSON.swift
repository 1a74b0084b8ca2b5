import TCPDoctorCore
import TCPDoctorOutput

/// `history --json`: one document (docs/json.md, "tcpdoctor history --json"; docs/schema/history.json).
///
/// Streamed through `JSONWriter`: 30 days of 10-second samples are hundreds of thousands of points.
enum HistoryJSON {
    /// The value of the document's `schema` key; a change of the shape gets a new number.
    static let schema = "tcpdoctor-history/1"

    static func write(_ report: HistoryReport, to json: inout JSONWriter) {
        json.beginObject()
        json.key("schema")
        json.value(schema)
        json.key("since")
        json.value(report.since)
        json.key("until")
        json.value(report.until)
        json.key("window_seconds")
        json.value(report.options.window)
        json.key("groups")
        json.beginArray()
        for group in report.groups { write(group, to: &json) }
        json.endArray()
        json.key("skipped_flat")
        json.value(report.skippedFlat)
        json.endObject()
    }

    private static func write(_ group: HistoryReport.GroupReport, to json: inout JSONWriter) {
        json.beginObject()
        json.key("group")
        json.beginObject()
        json.key("netns")
        json.value(group.group.netns)
        json.key("pid")
        if let pid = group.group.pid { json.value(pid) } else { json.null() }
        json.key("start_time")
        if let start = group.group.startTime { json.value(start) } else { json.null() }
        json.key("command")
        json.value(group.group.command)
        json.key("place_kind")
        json.value(group.group.placeKind)
        json.key("place")
        json.value(group.group.place)
        json.key("fd_soft_limit")
        if let limit = group.fdSoftLimit { json.value(limit) } else { json.null() }
        json.endObject()
        json.key("states")
        json.beginArray()
        for state in group.states { write(state, pid: group.group.pid, to: &json) }
        json.endArray()
        json.endObject()
    }

    private static func write(_ state: HistoryReport.StateReport, pid: Int32?, to json: inout JSONWriter) {
        json.beginObject()
        json.key("state")
        json.value(state.state.netstatName)
        json.key("kind")
        json.value(state.kind.rawValue)
        json.key("first_seen")
        optional(state.firstSeen, to: &json)
        json.key("rate_per_minute")
        optional(state.ratePerMinute, to: &json)
        json.key("r2")
        optional(state.trend.fit?.r2, to: &json)
        json.key("fit_samples")
        json.value(state.trend.samples)
        json.key("clock_jumps")
        json.value(state.trend.clockJumps)
        json.key("forecast")
        ForecastJSON.write(state.forecast, to: &json)
        json.key("no_forecast_reason")
        json.value(state.noForecastReason?.rawValue)
        json.key("summary")
        json.value(state.sentence(pid: pid))
        json.key("points")
        json.beginArray()
        for point in state.series.points {
            json.beginArray()
            json.value(point.time)
            json.value(point.value)
            json.endArray()
        }
        json.endArray()
        json.endObject()
    }

    private static func optional(_ number: Double?, to json: inout JSONWriter) {
        if let number { json.value(number) } else { json.null() }
    }
}
