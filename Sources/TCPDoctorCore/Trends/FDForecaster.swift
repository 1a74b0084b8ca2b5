/// Each process's open fds over the recent past, and when, at that pace, it reaches its soft limit.
///
/// For a live view that keeps no database (`serve`): fed one snapshot's processes at a time, it
/// keeps per process (pid and start time, so that a reused pid starts afresh) at most `capacity`
/// points spread over the trend window, and forecasts with `TrendAnalysis` as `history` does: only
/// a series that is growing, with a fit of r² at least `minimumR2`, gets a forecast.
public struct FDForecaster: Sendable {
    struct Key: Hashable {
        var pid: Int32
        var startTime: UInt64?
    }

    public let options: TrendOptions
    /// Most points kept per process.
    public let capacity: Int
    private(set) var series: [Key: [TimePoint]] = [:]

    /// - Parameters:
    ///   - options: The fit's window and thresholds (default: one hour, six points, r² 0.8).
    ///   - capacity: Points kept per process, at least `options.minimumSamples`: a point closer
    ///     than window / capacity to the one before replaces it rather than adding one.
    public init(options: TrendOptions = TrendOptions(), capacity: Int = 120) {
        self.options = options
        self.capacity = max(capacity, options.minimumSamples)
    }

    /// Processes with points kept.
    public var trackedProcesses: Int { series.count }

    /// Adds each process's open fds at `time` (Unix seconds), forgets the processes that are gone,
    /// and returns per pid the seconds until its open fds reach its soft limit at the fitted pace.
    ///
    /// A process is absent from the answer when it has no soft limit, too few points, fds that are
    /// not growing, a fit poorer than `minimumR2`, or has reached its limit already.
    public mutating func update(_ processes: [Int32: TCPProcess], at time: Double) -> [Int32: Double] {
        var next: [Key: [TimePoint]] = [:]
        next.reserveCapacity(processes.count)
        var forecasts: [Int32: Double] = [:]
        let spacing = options.window / Double(capacity)
        for (pid, process) in processes {
            let key = Key(pid: pid, startTime: process.startTime)
            var points = series[key] ?? []
            let point = TimePoint(time: time, value: Double(process.openFiles))
            if points.count >= 2, let last = points.last, time >= last.time,
                time - points[points.count - 2].time < spacing
            {
                points[points.count - 1] = point
            } else {
                points.append(point)
            }
            let oldest = time - options.window
            if let stale = points.firstIndex(where: { $0.time >= oldest }), stale > 0 {
                points.removeFirst(stale)
            }
            if points.count > capacity + 1 { points.removeFirst(points.count - capacity - 1) }
            if let limit = process.fileLimitSoft, points.count >= options.minimumSamples {
                let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: Double(limit), options: options)
                if trend.kind == .growing, let forecast = trend.forecast { forecasts[pid] = forecast.etaSeconds }
            }
            next[key] = points
        }
        series = next
        return forecasts
    }
}
