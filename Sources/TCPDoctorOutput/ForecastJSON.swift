import TCPDoctorCore

/// A forecast as `history --json` and `doctor --json` write it: `{"limit", "eta_seconds", "at",
/// "method", "r2"}`, or null.
public enum ForecastJSON {
    public static func write(_ forecast: Forecast?, to json: inout JSONWriter) {
        guard let forecast else { return json.null() }
        json.beginObject()
        json.key("limit")
        json.value(forecast.limit)
        json.key("eta_seconds")
        json.value(forecast.etaSeconds)
        json.key("at")
        json.value(forecast.at)
        json.key("method")
        json.value(forecast.method)
        json.key("r2")
        json.value(forecast.r2)
        json.endObject()
    }
}
