/// What a series is doing over the fit window.
public enum TrendKind: String, Sendable, Equatable {
    /// The fitted change over the window exceeds the noise: a leak that grows.
    case growing
    /// Neither growing nor draining: a pile that holds (or a sawtooth that is cleared again).
    case steady
    /// The fitted change over the window is a fall larger than the noise.
    case draining
    /// Fewer than `TrendOptions.minimumSamples` points in the window.
    case tooFewSamples = "too_few_samples"
}

/// How a trend is computed.
public struct TrendOptions: Sendable, Equatable {
    /// Seconds before the latest point that the fit uses (default 1 h).
    public var window: Double = 3600
    /// Fewest points in the window for a fit (6, as etcd's fd-exhaustion alert on predict_linear).
    public var minimumSamples: Int = 6
    /// Lowest r² a forecast is made from (0.8).
    public var minimumR2: Double = 0.8
    /// Smallest fitted change over the window, in counted units, that can be a trend at all (1).
    public var minimumChange: Double = 1

    public init() {}
}

/// A forecast of when a series reaches a limit, with its basis.
public struct Forecast: Sendable, Equatable {
    public let limit: Double
    /// Seconds from the latest point until the fitted line reaches `limit` (never negative).
    public let etaSeconds: Double
    /// The moment (unix seconds) the limit is reached: the latest point's time plus `etaSeconds`.
    public let at: Double
    /// How it was computed; always "least-squares".
    public let method: String
    public let r2: Double
}

/// Why there is no forecast.
public enum NoForecastReason: String, Sendable, Equatable {
    case tooFewSamples = "too_few_samples"
    case noLimit = "no_limit"
    case limitReached = "limit_reached"
    case slopeNotPositive = "slope_not_positive"
    case poorFit = "poor_fit"
}

/// The trend of one series: its kind, growth rate, when the pile started and a forecast.
public struct Trend: Sendable, Equatable {
    public let kind: TrendKind
    /// The least-squares fit over the window, nil with too few samples.
    public let fit: LinearFit?
    /// Points in the window (of the current segment).
    public let samples: Int
    /// The latest point's time and value.
    public let latest: TimePoint?
    /// The fitted change per minute, nil with too few samples.
    public var ratePerMinute: Double? { fit?.ratePerMinute }
    /// When the current growth started (`TrendAnalysis.pileStart`), only for a growing series.
    public let firstSeen: Double?
    public let forecast: Forecast?
    /// Set exactly when `forecast` is nil.
    public let noForecastReason: NoForecastReason?
    /// Clock jumps in the whole series; the fit used only the points after the last one.
    public let clockJumps: Int
    public let options: TrendOptions
}

/// Fits, classifies and forecasts series; pure functions of the points.
public enum TrendAnalysis {
    /// The trend of `series` towards `limit` (nil when no limit is known).
    ///
    /// Only the current segment counts (see `TimeSeries`), and of it the points no older than
    /// `options.window` before the latest. The series is *growing* when the fitted change over the
    /// window span (slope × span) is above both `minimumChange` and twice the residual deviation,
    /// *draining* when it is below the negatives of both, and *steady* otherwise. The forecast
    /// extends the fitted line to `limit`; there is none (in this order of reasons) with too few
    /// samples, without a limit, when the latest value is already at or above the limit, when the
    /// slope is not positive, or when r² is below `minimumR2`.
    public static func trend(
        of series: TimeSeries,
        limit: Double? = nil,
        options: TrendOptions = TrendOptions()
    ) -> Trend {
        let segment = series.current
        guard let latest = segment.last else {
            return Trend(
                kind: .tooFewSamples,
                fit: nil,
                samples: 0,
                latest: nil,
                firstSeen: nil,
                forecast: nil,
                noForecastReason: .tooFewSamples,
                clockJumps: series.clockJumps,
                options: options
            )
        }
        let window = segment.filter { $0.time >= latest.time - options.window }
        guard window.count >= options.minimumSamples, let fit = LinearFit(window) else {
            return Trend(
                kind: .tooFewSamples,
                fit: nil,
                samples: window.count,
                latest: latest,
                firstSeen: nil,
                forecast: nil,
                noForecastReason: .tooFewSamples,
                clockJumps: series.clockJumps,
                options: options
            )
        }
        let kind = classify(fit, options: options)
        let firstSeen = kind == .growing ? pileStart(segment) : nil
        let (forecast, reason) = forecast(fit, latest: latest, limit: limit, options: options)
        return Trend(
            kind: kind,
            fit: fit,
            samples: window.count,
            latest: latest,
            firstSeen: firstSeen,
            forecast: forecast,
            noForecastReason: reason,
            clockJumps: series.clockJumps,
            options: options
        )
    }

    static func classify(_ fit: LinearFit, options: TrendOptions) -> TrendKind {
        let change = fit.slope * (fit.end - fit.start)
        let threshold = max(options.minimumChange, 2 * fit.residualDeviation)
        if change > threshold { return .growing }
        if change < -threshold { return .draining }
        return .steady
    }

    static func forecast(
        _ fit: LinearFit,
        latest: TimePoint,
        limit: Double?,
        options: TrendOptions
    ) -> (Forecast?, NoForecastReason?) {
        guard let limit else { return (nil, .noLimit) }
        if latest.value >= limit { return (nil, .limitReached) }
        guard fit.slope > 0, let reach = fit.time(reaching: limit) else {
            return (nil, .slopeNotPositive)
        }
        if fit.r2 < options.minimumR2 { return (nil, .poorFit) }
        let eta = max(reach - latest.time, 0)
        return (
            Forecast(
                limit: limit,
                etaSeconds: eta,
                at: latest.time + eta,
                method: "least-squares",
                r2: fit.r2
            ), nil
        )
    }

    /// The moment the current pile started, or nil for an empty run.
    ///
    /// The baseline is the smallest value of `points` (the current segment). The tolerance is the
    /// larger of 1 and twice the median absolute second difference of the values (a measure of
    /// sample-to-sample noise that a steady growth does not inflate: a straight ramp has second
    /// differences of 0). The pile started at the time of the *last* point whose value is within
    /// the tolerance of the baseline: from the next point on, the series stayed above it up to
    /// now. When that is the latest point itself there is no pile and the result is its time.
    public static func pileStart<C: BidirectionalCollection>(_ points: C) -> Double?
    where C.Element == TimePoint {
        let values = points.map(\.value)
        guard let baseline = values.min() else { return nil }
        var seconds: [Double] = []
        if values.count >= 3 {
            for index in 1..<(values.count - 1) {
                seconds.append(abs(values[index + 1] - 2 * values[index] + values[index - 1]))
            }
        }
        seconds.sort()
        let noise = seconds.isEmpty ? 0 : seconds[seconds.count / 2]
        let tolerance = max(1, 2 * noise)
        return points.last(where: { $0.value <= baseline + tolerance })?.time
    }
}
