import TCPDoctorCore
import TCPDoctorHistory

/// The doctor's `history` keys (docs/json.md): per finding its trend, age and forecast, and at the
/// top where the history came from.
public enum DoctorHistoryJSON {
    /// A finding's `history` object, or null when the history never recorded it; and `age`, from
    /// the history or tcp_info's estimate.
    public static func write(_ finding: Finding, trend: FindingTrend?, now: Double, to json: inout JSONWriter) {
        json.key("age")
        if let age = FindingTrend.age(of: finding, trend: trend, now: now) {
            json.beginObject()
            json.key("seconds")
            json.value(age.seconds.rounded())
            json.key("source")
            json.value(age.source.rawValue)
            json.endObject()
        } else {
            json.null()
        }
        json.key("history")
        guard let trend else { return json.null() }
        json.beginObject()
        json.key("recorded_since")
        json.value(trend.recordedSince)
        json.key("recorded_until")
        json.value(trend.recordedUntil)
        json.key("trend")
        json.value(trend.size.kind.rawValue)
        json.key("rate_per_minute")
        json.value(trend.size.ratePerMinute)
        json.key("first_seen")
        json.value(trend.size.firstSeen)
        json.key("samples")
        json.value(trend.size.samples)
        json.key("r2")
        json.value(trend.size.fit?.r2)
        json.key("fds")
        if let fds = trend.fds {
            json.beginObject()
            json.key("pid")
            json.value(trend.pid)
            json.key("soft_limit")
            json.value(trend.fdSoftLimit)
            json.key("trend")
            json.value(fds.kind.rawValue)
            json.key("rate_per_minute")
            json.value(fds.ratePerMinute)
            json.key("latest")
            json.value(fds.latest?.value)
            json.endObject()
        } else {
            json.null()
        }
        json.key("forecast")
        ForecastJSON.write(trend.fds?.forecast, to: &json)
        json.key("no_forecast_reason")
        json.value(
            trend.fds == nil
                ? (trend.pid == nil ? "no_process" : "no_fd_samples") : trend.fds?.noForecastReason?.rawValue
        )
        json.key("text")
        json.value(trend.line(for: finding, now: now))
        json.endObject()
    }

    /// The top-level `history`: the database, whether it was read, and the span it holds.
    public static func write(_ history: DoctorHistory, to json: inout JSONWriter) {
        json.key("history")
        json.beginObject()
        json.key("database")
        json.value(history.path)
        json.key("status")
        json.value(history.status.rawValue)
        json.key("message")
        json.value(history.message)
        json.key("first_sample")
        json.value(history.range?.first)
        json.key("last_sample")
        json.value(history.range?.last)
        json.key("findings_with_history")
        json.value(history.trends.count)
        json.endObject()
    }
}
