/// Durations, UTC times and the sentences people read about a trend.
///
/// Pure text, no locale: times are always UTC, written `HH:MM UTC` when on the same UTC day as
/// the reference moment and `YYYY-MM-DD HH:MM UTC` otherwise.
public enum TrendText {
    /// A duration rounded for reading: "45 s", "41 min", "1 h 45 min", "3 d 4 h".
    public static func duration(_ seconds: Double) -> String {
        let total = Int((max(seconds, 0)).rounded())
        if total < 60 { return "\(total) s" }
        let minutes = (total + 30) / 60
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 24 * 60 {
            let hours = minutes / 60
            let rest = minutes % 60
            return rest == 0 ? "\(hours) h" : "\(hours) h \(rest) min"
        }
        let hours = (minutes + 30) / 60
        let days = hours / 24
        let rest = hours % 24
        return rest == 0 ? "\(days) d" : "\(days) d \(rest) h"
    }

    /// The UTC calendar fields of a unix time (seconds rounded down).
    public static func utcFields(
        _ time: Double
    ) -> (
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    ) {
        let seconds = Int(time.rounded(.down))
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        // Howard Hinnant's days-to-civil.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, rest / 3600, rest % 3600 / 60, rest % 60)
    }

    /// "14:52 UTC", or "2026-12-08 14:52 UTC" when `time` falls on another UTC day than `now`.
    public static func utc(_ time: Double, relativeTo now: Double) -> String {
        let f = utcFields(time)
        let clock = "\(pad(f.hour)):\(pad(f.minute))"
        let n = utcFields(now)
        if (f.year, f.month, f.day) == (n.year, n.month, n.day) { return clock + " UTC" }
        return "\(f.year)-\(pad(f.month))-\(pad(f.day)) \(clock) UTC"
    }

    /// "2026-12-07T14:52:00Z".
    public static func iso8601(_ time: Double) -> String {
        let f = utcFields(time)
        return "\(f.year)-\(pad(f.month))-\(pad(f.day))T\(pad(f.hour)):\(pad(f.minute)):\(pad(f.second))Z"
    }

    /// A signed rate: "+38", "-2.5", "+0.25"; whole numbers from 10 up, else up to 2 decimals.
    public static func signedRate(_ rate: Double) -> String {
        let sign = rate < 0 ? "-" : "+"
        let magnitude = abs(rate)
        if magnitude >= 10 { return sign + "\(Int(magnitude.rounded()))" }
        return sign + decimal(magnitude, places: magnitude >= 1 ? 1 : 2)
    }

    /// `value` with exactly `places` decimals ("0.98").
    public static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale))
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard places > 0 else { return sign + "\(whole)" }
        return sign + "\(whole)." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// "r² 0.98" (or "r2 0.98" without Unicode).
    public static func r2(_ value: Double, unicode: Bool = true) -> String {
        (unicode ? "r² " : "r2 ") + decimal(value, places: 2)
    }

    /// The basis of a rate: "+38 CLOSE_WAIT/min (linear fit over the last 45 min, r² 0.98)".
    public static func rate(_ fit: LinearFit, unit: String, unicode: Bool = true) -> String {
        "\(signedRate(fit.ratePerMinute)) \(unit)/min (linear fit over the last "
            + "\(duration(fit.end - fit.start)), \(r2(fit.r2, unicode: unicode)))"
    }

    /// "at +38 CLOSE_WAIT/min (linear fit over the last 45 min, r² 0.98) pid 4121 reaches its
    /// fd soft limit 20000 in about 41 min (14:52 UTC)"; the reason instead when there is no
    /// forecast, and nil with too few samples or without a limit.
    ///
    /// `subject` names what reaches the limit ("pid 4121"), `limitName` the limit ("its fd soft
    /// limit"), `unit` what is counted ("CLOSE_WAIT").
    public static func forecastSentence(
        _ trend: Trend,
        unit: String,
        subject: String,
        limitName: String,
        unicode: Bool = true
    ) -> String? {
        guard let fit = trend.fit, let latest = trend.latest else { return nil }
        let basis = rate(fit, unit: unit, unicode: unicode)
        if let forecast = trend.forecast {
            return "at \(basis) \(subject) reaches \(limitName) \(limitText(forecast.limit)) "
                + "in about \(duration(forecast.etaSeconds)) "
                + "(\(utc(forecast.at, relativeTo: latest.time)))"
        }
        let limit = trend.options.minimumR2
        switch trend.noForecastReason {
        case .limitReached:
            return "\(subject) has reached \(limitName) (\(unit) at \(limitText(latest.value)))"
        case .slopeNotPositive:
            return "no forecast for \(subject): \(unit) is not growing (\(basis))"
        case .poorFit:
            return "no forecast for \(subject): the linear fit is poor "
                + "(\(r2(fit.r2, unicode: unicode)), below \(decimal(limit, places: 2))); \(basis)"
        case .tooFewSamples, .noLimit, nil:
            return nil
        }
    }

    /// "growing since 13:07 UTC, 1 h 45 min" for a growing trend, "steady" / "draining at -3.0
    /// CLOSE_WAIT/min" otherwise, "too few samples (4 of 6 needed)" without a fit.
    public static func ageSentence(_ trend: Trend, unit: String, unicode: Bool = true) -> String {
        guard let fit = trend.fit, let latest = trend.latest else {
            return "too few samples (\(trend.samples) of \(trend.options.minimumSamples) needed)"
        }
        switch trend.kind {
        case .growing:
            let since = trend.firstSeen ?? fit.start
            return "growing since \(utc(since, relativeTo: latest.time)), "
                + duration(latest.time - since)
        case .steady:
            return "steady (\(rate(fit, unit: unit, unicode: unicode)))"
        case .draining:
            return "draining at \(rate(fit, unit: unit, unicode: unicode))"
        case .tooFewSamples:
            return "too few samples (\(trend.samples) of \(trend.options.minimumSamples) needed)"
        }
    }

    private static func limitText(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : decimal(value, places: 2)
    }

    private static func pad(_ number: Int) -> String {
        number < 10 ? "0\(number)" : "\(number)"
    }
}
