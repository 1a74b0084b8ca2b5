/// An ordinary least-squares line `value = intercept + slope × time` through a run of points.
public struct LinearFit: Sendable, Equatable {
    /// Change of the value per second.
    public let slope: Double
    /// The fitted value at `time` 0 (unix epoch); use `value(at:)` for times of interest.
    public let intercept: Double
    /// Coefficient of determination, 0...1: the share of the variance the line explains. A series
    /// that does not vary at all is fitted exactly by a flat line and gets 1.
    public let r2: Double
    /// Standard deviation of the residuals (with n − 2 degrees of freedom; 0 for two points).
    public let residualDeviation: Double
    public let count: Int
    /// The times of the first and last point fitted.
    public let start: Double
    public let end: Double

    /// The fit of `points`, or nil with fewer than two points or when all times are equal.
    ///
    /// Times are taken relative to the first point before summing, so that unix seconds
    /// (around 1.8e9) do not eat the precision of the sums.
    public init?<C: Collection>(_ points: C) where C.Element == TimePoint {
        guard points.count >= 2, let first = points.first else { return nil }
        let origin = first.time
        let n = Double(points.count)
        var sumT = 0.0
        var sumV = 0.0
        var minT = Double.infinity
        var maxT = -Double.infinity
        for point in points {
            sumT += point.time - origin
            sumV += point.value
            minT = min(minT, point.time)
            maxT = max(maxT, point.time)
        }
        let meanT = sumT / n
        let meanV = sumV / n
        var stt = 0.0
        var stv = 0.0
        var svv = 0.0
        for point in points {
            let dt = point.time - origin - meanT
            let dv = point.value - meanV
            stt += dt * dt
            stv += dt * dv
            svv += dv * dv
        }
        guard stt > 0 else { return nil }
        let slope = stv / stt
        let relativeIntercept = meanV - slope * meanT
        var residuals = 0.0
        for point in points {
            let predicted = relativeIntercept + slope * (point.time - origin)
            residuals += (point.value - predicted) * (point.value - predicted)
        }
        self.slope = slope
        self.intercept = relativeIntercept - slope * origin
        // Rounding can leave a hair of residual on an exact line; clamp into 0...1.
        self.r2 = svv > 0 ? min(max(1 - residuals / svv, 0), 1) : 1
        self.residualDeviation = points.count > 2 ? (residuals / (n - 2)).squareRoot() : 0
        self.count = points.count
        self.start = minT
        self.end = maxT
        self.origin = origin
        self.relativeIntercept = relativeIntercept
    }

    private let origin: Double
    private let relativeIntercept: Double

    /// The fitted value at `time` (unix seconds).
    public func value(at time: Double) -> Double {
        relativeIntercept + slope * (time - origin)
    }

    /// The time (unix seconds) at which the line reaches `level`, or nil for a flat line.
    public func time(reaching level: Double) -> Double? {
        guard slope != 0 else { return nil }
        return origin + (level - relativeIntercept) / slope
    }

    /// Change per minute.
    public var ratePerMinute: Double { slope * 60 }
}
