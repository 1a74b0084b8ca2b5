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
    /// Walks the slot's pieces (stretches of one set of values and fds) and merges each stretch
    /// of a piece that falls in one bucket without a segment break at once (`smooth`: for each
    /// sample index, the last index that follows it without a break), so that 30 days of
    /// 10-second samples cost about a step per bucket and per change, not one per sample.
    func bucketedSeries(
        of slot: Slot,
        rows: SlotRows,
        since: Double,
        detail: HistoryDetail,
        smooth: [Int32]
    ) -> HistorySeries {
        guard let last = slot.runs.last?.to else { return HistorySeries(group: slot.group, points: []) }
        let pieces = pieces(of: slot)
        // The fit windows of the counts and of the fds end at their own latest points.
        let latest = min(times[last], lastFDTime(pieces) ?? times[last])
        var bucketer = Bucketer(
            rows: rows,
            since: since,
            width: detail.bucketWidth,
            cutoff: latest - detail.window
        )
        var previous: Double?
        var previousFD: Double?
        // One StateCounts per run, shared by its points as taken.
        var counted = -1
        var counts = (StateCounts(values: []), StateCounts(values: []))
        for piece in pieces {
            let run = slot.runs[piece.run]
            let fds = piece.process?.fds
            var index = piece.from
            while index <= piece.to {
                let time = times[index]
                // TimeSeries drops a point without a finite time; so do its buckets.
                guard time.isFinite else {
                    index += 1
                    continue
                }
                let startsSegment = previous.map { Self.breaks(from: $0, to: time) } ?? true
                let startsFDSegment = fds != nil && (previousFD.map { Self.breaks(from: $0, to: time) } ?? true)
                var end = index
                if time < bucketer.cutoff && !startsSegment && !startsFDSegment {
                    // With it, the samples after it in this piece that follow without a break,
                    // before the cutoff and in its bucket (their times rise, so a binary search).
                    let bucket = bucketer.number(of: time)
                    end = lastIndex(from: index, through: min(piece.to, Int(smooth[index]))) {
                        $0 < bucketer.cutoff && bucketer.number(of: $0) == bucket
                    }
                    bucketer.merge(
                        samples: end - index + 1,
                        time: times[end],
                        resolution: resolutions[end],
                        run: piece.run,
                        row: run.row,
                        process: piece.process
                    )
                } else {
                    if counted != piece.run {
                        counted = piece.run
                        counts = rows.counts(of: run.row)
                    }
                    bucketer.keep(
                        HistoryPoint(
                            time: time,
                            resolution: resolutions[index],
                            counts: counts.0,
                            peak: counts.1,
                            fds: fds,
                            fdSoftLimit: piece.process?.limit
                        ),
                        startsSegment: startsSegment,
                        startsFDSegment: startsFDSegment
                    )
                }
                previous = times[end]
                if fds != nil { previousFD = times[end] }
                index = end + 1
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

    /// The last index in `from...through` whose time passes `test`, which the time at `from`
    /// passes and which, over rising times, holds up to some time and not after it.
    private func lastIndex(from: Int, through: Int, _ test: (Double) -> Bool) -> Int {
        var (low, high) = (from, through)
        while low < high {
            let middle = (low + high + 1) / 2
            if test(times[middle]) { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Whether a point at `time` after one at `previous` starts a segment, as `TimeSeries` finds it.
    private static func breaks(from previous: Double, to time: Double) -> Bool {
        let step = time - previous
        return step <= 0 || step > TimeSeries.defaultMaxGap
    }

    /// The time of the latest point of `pieces` that carries an fd count; nil when none does.
    private func lastFDTime(_ pieces: [Piece]) -> Double? {
        for piece in pieces.reversed() where piece.process?.fds != nil {
            for index in stride(from: piece.to, through: piece.from, by: -1) where times[index].isFinite {
                return times[index]
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
    /// The rows the runs name.
    let rows: SlotRows
    let since: Double
    let width: Double
    let cutoff: Double
    private(set) var points: [HistoryPoint] = []
    private(set) var starts: [Int] = []
    private(set) var fdStarts: [Int] = []
    /// The bucket being filled: its latest sample (time, resolution, run and its row, fds and
    /// soft limit), the largest peaks so far (updated in place), its number and how many samples
    /// it holds (0: none is being filled).
    private var latest: (time: Double, resolution: Int, run: Int, row: RowRef, process: (fds: Int64?, limit: Int64?)?) =
        (0, 0, 0, RowRef(offset: 0, lastLength: 0, peakLength: 0), nil)
    private var peak: [Int64?] = []
    private var number = 0.0
    private var merged = 0

    init(rows: SlotRows, since: Double, width: Double, cutoff: Double) {
        (self.rows, self.since, self.width, self.cutoff) = (rows, since, width, cutoff)
    }

    /// The bucket a time falls in.
    func number(of time: Double) -> Double { ((time - since) / width).rounded(.down) }

    /// Adds `samples` consecutive samples of run `run`, all in one bucket, that start no segment
    /// and are older than `cutoff`: the last values and fds, the largest peaks (as the
    /// database's downsampling merges samples). `time` and `resolution` are the last sample's.
    mutating func merge(
        samples: Int,
        time: Double,
        resolution: Int,
        run: Int,
        row: RowRef,
        process: (fds: Int64?, limit: Int64?)?
    ) {
        let number = number(of: time)
        if merged > 0, self.number == number, (latest.process?.fds == nil) == (process?.fds == nil) {
            // A run's peaks count once per bucket, however many of its samples fall in it.
            if run != latest.run { rows.raise(&peak, to: row) }
        } else {
            flush()
            (peak, self.number) = (rows.values(of: row).peak, number)
        }
        latest = (time, resolution, run, row, process)
        merged += samples
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
        let values = rows.values(of: latest.row)
        let counts = StateCounts(values: values.last.map { $0 ?? 0 })
        let peaks = peak == values.last ? counts : StateCounts(values: peak.map { $0 ?? 0 })
        points.append(
            HistoryPoint(
                time: latest.time,
                resolution: merged > 1 ? max(latest.resolution, Int(width.rounded())) : latest.resolution,
                counts: counts,
                peak: peaks,
                fds: latest.process?.fds,
                fdSoftLimit: latest.process?.limit
            )
        )
        merged = 0
    }
}
