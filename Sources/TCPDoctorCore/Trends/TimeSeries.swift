/// One observation of a series: when (unix seconds, wall clock) and what was counted.
public struct TimePoint: Sendable, Equatable {
    public var time: Double
    public var value: Double

    public init(time: Double, value: Double) {
        self.time = time
        self.value = value
    }
}

/// A series of observations in the order they were recorded, split into segments at clock jumps.
///
/// Wall-clock times jump when NTP or an operator steps the clock. The series never reorders
/// points to hide that: a *segment* is a maximal run of points, in recorded order, in which each
/// time is strictly later than the one before and at most `maxGap` seconds after it. A time that
/// goes backwards (or repeats) or leaps forward by more than `maxGap` starts a new segment, so
/// every segment is sorted and free of jumps. Rates, fits and forecasts use only the current
/// (last) segment; charts place points by time and leave the leap of a forward jump empty.
/// Points whose time or value is not finite are dropped.
public struct TimeSeries: Sendable, Equatable {
    /// The default largest gap between two samples still treated as one run: 15 minutes.
    public static let defaultMaxGap: Double = 900

    /// Every finite point, in recorded order.
    public let points: [TimePoint]
    /// Indices into `points` where each segment starts (the first is 0 when there are points).
    public let segmentStarts: [Int]
    public let maxGap: Double

    public init(_ points: [TimePoint], maxGap: Double = TimeSeries.defaultMaxGap) {
        let finite = points.filter { $0.time.isFinite && $0.value.isFinite }
        var starts: [Int] = []
        for index in finite.indices {
            if index == 0 {
                starts.append(0)
                continue
            }
            let step = finite[index].time - finite[index - 1].time
            if step <= 0 || step > maxGap { starts.append(index) }
        }
        self.points = finite
        self.segmentStarts = starts
        self.maxGap = maxGap
    }

    /// A series whose segment starts are known rather than found from the spacing of its points.
    ///
    /// Points merged into buckets wider than `maxGap` (a long range drawn in a few thousand
    /// points) no longer tell a break from their spacing; the starts found on the points as
    /// recorded are carried here instead, so that a thinned series keeps exactly the breaks of the
    /// original. A non-finite point is dropped as in `init(_:maxGap:)`, and a start on it moves to
    /// the next point kept; the first point always starts a segment.
    ///
    /// - Parameter segmentStarts: Indices into `points` where a segment starts, in ascending order.
    public init(_ points: [TimePoint], segmentStarts: [Int], maxGap: Double = TimeSeries.defaultMaxGap) {
        var finite: [TimePoint] = []
        finite.reserveCapacity(points.count)
        var starts: [Int] = []
        var next = segmentStarts.makeIterator()
        var start = next.next()
        var pending = false
        for (index, point) in points.enumerated() {
            while let candidate = start, candidate <= index {
                pending = true
                start = next.next()
            }
            guard point.time.isFinite && point.value.isFinite else { continue }
            if finite.isEmpty || pending { starts.append(finite.count) }
            pending = false
            finite.append(point)
        }
        self.points = finite
        self.segmentStarts = starts
        self.maxGap = maxGap
    }

    /// The segments, each sorted by time and free of clock jumps.
    public var segments: [ArraySlice<TimePoint>] {
        segmentStarts.enumerated().map { offset, start in
            let end = offset + 1 < segmentStarts.count ? segmentStarts[offset + 1] : points.count
            return points[start..<end]
        }
    }

    /// The last segment: the run of samples that reaches up to now.
    public var current: ArraySlice<TimePoint> {
        guard let start = segmentStarts.last else { return points[0..<0] }
        return points[start...]
    }

    /// The number of clock jumps (segment breaks) in the series.
    public var clockJumps: Int { max(segmentStarts.count - 1, 0) }
}
