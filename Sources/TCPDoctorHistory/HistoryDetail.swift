import TCPDoctorCore

/// How finely `HistoryReader.changingSeries` returns the points of a long range.
///
/// Nothing `history` shows needs a point per 10-second sample over 30 days: a chart has a few
/// hundred columns at most, and the fit, rate and forecast use only the fit window before each
/// group's latest point. So each group keeps its points as recorded within `window` of its own
/// latest point (and of its process's latest fd count, which may be earlier), and its older
/// points are merged into buckets `bucketWidth` seconds wide, the way the database's own
/// downsampling merges samples: the counts and fds of the bucket's last point, the largest peak.
/// A bucket never spans a segment break (a clock that went back or a gap over
/// `TimeSeries.defaultMaxGap`) and never mixes points with and without an fd count; the breaks
/// found on the points as recorded are returned with the series (`HistorySeries.segmentStarts`).
public struct HistoryDetail: Sendable, Equatable {
    /// The number of buckets a range is cut into.
    public static let bucketsPerRange = 2000.0
    /// The narrowest bucket worth merging into: below this, every point is kept as recorded, so
    /// that a range of a few hours (6 h: 10.8-second buckets) reads exactly as recorded.
    public static let minimumBucketWidth = 60.0

    /// Seconds per bucket, counted from the range's start.
    public var bucketWidth: Double
    /// Seconds before a group's latest point within which its points are kept as recorded.
    public var window: Double

    public init(bucketWidth: Double, window: Double) {
        (self.bucketWidth, self.window) = (bucketWidth, window)
    }

    /// The detail for the range `since...until` with fit window `window` (seconds): buckets of a
    /// `bucketsPerRange`th of the range; nil (every point as recorded) when those would be
    /// narrower than `minimumBucketWidth`.
    public static func forRange(since: Double, until: Double, window: Double) -> HistoryDetail? {
        let width = (until - since) / bucketsPerRange
        guard width.isFinite, width >= minimumBucketWidth, window.isFinite else { return nil }
        return HistoryDetail(bucketWidth: width, window: max(window, 0))
    }
}

extension RunCollector {
    /// `slot`'s points with those older than `detail.window` before its latest merged into buckets.
    ///
    /// Walks the runs sample by sample as `points(of:)` does, but builds counts only for the
    /// points it returns, so that 30 days of 10-second samples cost a few thousand points per group.
    func bucketedSeries(of slot: Slot, since: Double, detail: HistoryDetail) -> HistorySeries {
        let fdRuns = slot.process.map { processRuns[$0] } ?? []
        guard let last = slot.runs.last?.to else { return HistorySeries(group: slot.group, points: []) }
        // The fit windows of the counts and of the fds end at their own latest points.
        let latest = min(times[last], lastFDTime(slot, fdRuns) ?? times[last])
        var bucketer = Bucketer(
            runs: slot.runs,
            since: since,
            width: detail.bucketWidth,
            cutoff: latest - detail.window
        )
        // The process's fds and soft limit at the sample being walked, read once per fd run.
        var cursor = 0
        var covering = -1
        var process: (fds: Int64?, limit: Int64?) = (nil, nil)
        var previous: Double?
        var previousFD: Double?
        for (number, run) in slot.runs.enumerated() {
            var counts: (StateCounts, StateCounts)?
            for index in run.from...run.to {
                let time = times[index]
                // TimeSeries drops a point without a finite time; so do its buckets.
                guard time.isFinite else { continue }
                while cursor < fdRuns.count && fdRuns[cursor].to < index { cursor += 1 }
                let covers = cursor < fdRuns.count && fdRuns[cursor].from <= index ? cursor : -1
                if covers != covering {
                    covering = covers
                    let values = covers >= 0 ? fdRuns[covers].values.last : []
                    process = covers >= 0 ? (values[0], values[1]) : (nil, nil)
                }
                let startsSegment = previous.map { Self.breaks(from: $0, to: time) } ?? true
                let startsFDSegment = process.fds != nil && (previousFD.map { Self.breaks(from: $0, to: time) } ?? true)
                previous = time
                if process.fds != nil { previousFD = time }
                if time < bucketer.cutoff && !startsSegment && !startsFDSegment {
                    bucketer.merge(
                        time: time,
                        resolution: resolutions[index],
                        run: number,
                        fds: process.fds,
                        fdSoftLimit: process.limit
                    )
                } else {
                    // As taken: one StateCounts per run, shared by its points.
                    let (last, peak) = counts ?? Bucketer.counts(of: run.values)
                    counts = (last, peak)
                    bucketer.keep(
                        HistoryPoint(
                            time: time,
                            resolution: resolutions[index],
                            counts: last,
                            peak: peak,
                            fds: process.fds,
                            fdSoftLimit: process.limit
                        ),
                        startsSegment: startsSegment,
                        startsFDSegment: startsFDSegment
                    )
                }
            }
        }
        bucketer.flush()
        return HistorySeries(
            group: slot.group,
            points: bucketer.points,
            segmentStarts: bucketer.starts,
            fdSegmentStarts: bucketer.fdStarts
        )
    }

    /// Whether a point at `time` after one at `previous` starts a segment, as `TimeSeries` finds it.
    private static func breaks(from previous: Double, to time: Double) -> Bool {
        let step = time - previous
        return step <= 0 || step > TimeSeries.defaultMaxGap
    }

    /// The time of `slot`'s latest point that carries an fd count; nil when none does.
    private func lastFDTime(_ slot: Slot, _ fdRuns: [Run]) -> Double? {
        var cursor = fdRuns.count - 1
        for run in slot.runs.reversed() {
            for index in stride(from: run.to, through: run.from, by: -1) {
                while cursor >= 0 && fdRuns[cursor].from > index { cursor -= 1 }
                guard cursor >= 0 else { return nil }
                if fdRuns[cursor].to >= index, fdRuns[cursor].values.last.first.flatMap({ $0 }) != nil,
                    times[index].isFinite
                {
                    return times[index]
                }
            }
        }
        return nil
    }
}

/// Merges a group's points, in recorded order, into buckets, with where each segment of the
/// counts and of the fd counts starts.
///
/// A point that starts a segment, and every point from `cutoff` on, is kept as it is, alone, so
/// that the breaks and the fit windows are those of the points as recorded.
private struct Bucketer {
    /// The group's runs, which `merge` names by index.
    let runs: [RunCollector.Run]
    let since: Double
    let width: Double
    let cutoff: Double
    private(set) var points: [HistoryPoint] = []
    private(set) var starts: [Int] = []
    private(set) var fdStarts: [Int] = []
    /// The bucket being filled: its latest sample (time, resolution, run, fds, soft limit), the
    /// largest peaks so far (updated in place), its number and how many samples it holds (0: none
    /// is being filled).
    private var latest: (time: Double, resolution: Int, run: Int, fds: Int64?, fdSoftLimit: Int64?) = (
        0, 0, 0, nil, nil
    )
    private var peak: [Int64?] = []
    private var number = 0.0
    private var merged = 0

    init(runs: [RunCollector.Run], since: Double, width: Double, cutoff: Double) {
        (self.runs, self.since, self.width, self.cutoff) = (runs, since, width, cutoff)
    }

    /// The counts and the peaks of `values`, the peaks sharing the counts when equal.
    static func counts(of values: RowValues) -> (StateCounts, StateCounts) {
        let counts = StateCounts(values: values.last.map { $0 ?? 0 })
        return (counts, values.peak == values.last ? counts : StateCounts(values: values.peak.map { $0 ?? 0 }))
    }

    /// Adds a sample of run `run` that starts no segment and is older than `cutoff` to its
    /// bucket: the last values and fds, the largest peaks (as the database's downsampling merges
    /// samples).
    mutating func merge(time: Double, resolution: Int, run: Int, fds: Int64?, fdSoftLimit: Int64?) {
        let number = ((time - since) / width).rounded(.down)
        if merged > 0, self.number == number, (latest.fds == nil) == (fds == nil) {
            // A run's peaks count once per bucket, however many of its samples fall in it.
            if run != latest.run {
                let other = runs[run].values.peak
                if peak.count == other.count {
                    for index in peak.indices where other[index] != peak[index] {
                        peak[index] = largest(peak[index], other[index])
                    }
                } else {
                    peak = zip(peak, other).map(largest)
                }
            }
            latest = (time, resolution, run, fds, fdSoftLimit)
            merged += 1
            return
        }
        flush()
        latest = (time, resolution, run, fds, fdSoftLimit)
        (peak, self.number, merged) = (runs[run].values.peak, number, 1)
    }

    /// Adds a point as it is.
    mutating func keep(_ point: HistoryPoint, startsSegment: Bool, startsFDSegment: Bool) {
        flush()
        if startsSegment { starts.append(points.count) }
        if startsFDSegment { fdStarts.append(points.count) }
        points.append(point)
    }

    /// Writes the bucket being filled, if any.
    mutating func flush() {
        guard merged > 0 else { return }
        let values = runs[latest.run].values
        let (counts, _) = Self.counts(of: values)
        let peaks = peak == values.last ? counts : StateCounts(values: peak.map { $0 ?? 0 })
        points.append(
            HistoryPoint(
                time: latest.time,
                resolution: merged > 1 ? max(latest.resolution, Int(width.rounded())) : latest.resolution,
                counts: counts,
                peak: peaks,
                fds: latest.fds,
                fdSoftLimit: latest.fdSoftLimit
            )
        )
        merged = 0
    }
}
