import Foundation
import TCPDoctorCore
import Testing

@testable import TCPDoctorHistory

/// `HistoryReader.changingSeries` with a `HistoryDetail`: a long range merged into buckets keeps
/// the breaks and the fit window of the samples as recorded.
@Suite struct HistoryDetailTests {
    static let end = 1_796_648_400.0
    static let start = end - 30 * 86_400
    /// Samples every 5 minutes for 30 days, every 10 seconds in the last 2 hours.
    static let coarse = 300.0
    static let fineFrom = end - 2 * 3600
    /// The clock goes back an hour 10 days before the end; no sample comes for 20 minutes 5 days before it.
    static let jumpAt = end - 10 * 86_400
    static let gapAt = end - 5 * 86_400
    /// The last sample's time as recorded (the clock that went back shows it an hour early).
    static let last = end - 3600
    /// The leak starts 40 minutes before the last sample: inside the 1-hour fit window.
    static let leakFrom = last - 40 * 60

    /// The recorded times: the wall clock as the recorder saw it.
    static var times: [Double] {
        var result: [Double] = []
        var time = start
        while time <= end {
            // The clock that went back shows every later sample an hour early.
            let shown = time >= jumpAt ? time - 3600 : time
            if !(time > gapAt && time < gapAt + 1200) { result.append(shown) }
            time += time < fineFrom ? coarse : 10
        }
        return result
    }

    /// A leaking process (CLOSE_WAIT 3, then one more per 10 s; fds follow) whose ESTABLISHED
    /// count moves all along, and a busy one whose count moves every sample.
    static func aggregate(_ index: Int, time: Double) -> SampleAggregate {
        var aggregate = SampleAggregate()
        func add(pid: Int32, port: UInt16, established: Int64, closeWait: Int64) {
            let key = SampleAggregate.ProcessKey(pid: pid, startTime: 1)
            var counts = StateCounts()
            counts.values[0] = 1
            counts.values[1] = established
            counts.values[8] = closeWait
            counts.values[StateCounts.recvQIndex] = closeWait
            aggregate.groups[SampleAggregate.GroupKey(netns: 1, process: key, place: .localPort(port))] = counts
            aggregate.processes[key] = SampleAggregate.Process(
                key: key,
                command: "svc",
                argvHash: UInt64(pid),
                openFiles: 100 + closeWait + established,
                fileLimitSoft: 1024
            )
        }
        let leaked = time >= leakFrom ? Int64((time - leakFrom) / 10) : 0
        add(pid: 300, port: 8000, established: Int64(index % 4 == 0 ? 1 : 0), closeWait: 3 + leaked)
        add(pid: 301, port: 8001, established: Int64(index % 9), closeWait: 0)
        return aggregate
    }

    static func write(_ path: String) throws {
        let retention = HistoryRetention(
            levels: [HistoryRetention.Level(resolution: 0, keep: 60 * 86_400)],
            maxBytes: nil
        )
        let clock = TestClock(start)
        let store = try HistoryStore(path: path, retention: retention, now: { [clock] in clock.now })
        for (index, time) in times.enumerated() {
            clock.now = time
            try store.append(aggregate(index, time: time), at: time)
        }
    }

    static func report(_ series: [HistorySeries], since: Double, until: Double) -> HistoryReport {
        HistoryReport(entries: series.map(\.reportEntry), since: since, until: until)
    }

    @Test func bucketsKeepTheBreaksAndTheFitWindow() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(path)
        let reader = try HistoryReader(path: path)
        let (since, until) = (Self.start - 60, Self.end + 60)
        let detail = try #require(HistoryDetail.forRange(since: since, until: until, window: 3600))
        #expect(detail.bucketWidth > TimeSeries.defaultMaxGap)
        let plain = try reader.changingSeries(since: since, until: until)
        let bucketed = try reader.changingSeries(since: since, until: until, detail: detail)
        #expect(bucketed.series.map(\.group) == plain.series.map(\.group) && bucketed.unchanged == plain.unchanged)
        for series in bucketed.series {
            let all = try #require(plain.series.first { $0.group == series.group })
            #expect(all.points.count > 8000)
            #expect(series.points.count < all.points.count / 2, "\(series.points.count) of \(all.points.count)")
            // The last hour as recorded; before it, buckets (their spacing alone would tell a break each).
            #expect(series.points.suffix(361) == all.points.suffix(361))
            #expect(TimeSeries(series.points.map { TimePoint(time: $0.time, value: 0) }).clockJumps > 100)
        }
        let exact = Self.report(plain.series, since: since, until: until)
        let merged = Self.report(bucketed.series, since: since, until: until)
        #expect(merged.groups.count == exact.groups.count && merged.groups.count == 2)
        for (group, reference) in zip(merged.groups, exact.groups) {
            #expect(group.states.map(\.state) == reference.states.map(\.state))
            #expect(group.fds.segments.map { $0.first?.time } == reference.fds.segments.map { $0.first?.time })
            for (state, original) in zip(group.states, reference.states) {
                // Both breaks, at the times of the samples as recorded: the jump back, then the gap's end.
                #expect(state.series.clockJumps == 2)
                #expect(
                    state.series.segments.map { $0.first?.time }
                        == [Self.start, Self.jumpAt - 3600, Self.gapAt + 1200 - 3600]
                )
                #expect(state.series.segments.map { $0.first?.time } == original.series.segments.map { $0.first?.time })
                #expect(state.trend == original.trend)
                #expect(state.fdTrend == original.fdTrend)
                #expect(state.noForecastReason == original.noForecastReason)
            }
        }
        // The leak inside the window: growing since its start (the fit over the hour, 20 minutes of
        // it flat, gives less than its 6 a minute), with the same forecast.
        let leak = try #require(merged.groups.first { $0.group.pid == 300 }?.states.first { $0.state == .closeWait })
        #expect(leak.kind == .growing)
        let firstSeen = try #require(leak.firstSeen)
        #expect(firstSeen >= Self.leakFrom && firstSeen <= Self.leakFrom + 10)
        #expect((leak.ratePerMinute ?? 0) > 3 && (leak.ratePerMinute ?? 0) < 6)
        #expect(leak.forecast != nil && leak.forecast == exact.groups.first?.states.last?.forecast)
    }

    @Test func aShortRangeIsReadAsRecorded() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(path)
        let reader = try HistoryReader(path: path)
        // Six hours of 5-minute samples, before the 10-second ones.
        let (since, until) = (Self.last - 9 * 3600, Self.last - 3 * 3600)
        #expect(HistoryDetail.forRange(since: since, until: until, window: 3600) == nil)
        #expect(HistoryDetail.forRange(since: Self.start, until: Self.end, window: 3600)?.bucketWidth == 1296)
        // A bucket that holds one sample is that sample as recorded.
        let narrow = HistoryDetail(bucketWidth: 60, window: 3600)
        let plain = try reader.changingSeries(since: since, until: until)
        let bucketed = try reader.changingSeries(since: since, until: until, detail: narrow)
        #expect(plain.series.allSatisfy { $0.segmentStarts == nil && $0.points.count == 73 })
        #expect(bucketed.series.map(\.group) == plain.series.map(\.group) && bucketed.series.count == 2)
        for (series, all) in zip(bucketed.series, plain.series) {
            #expect(series.points == all.points)
            #expect(series.segmentStarts == [0] && series.fdSegmentStarts == [0])
        }
    }

    /// The buckets as a sample-by-sample merge of the points as recorded makes them: the reader
    /// merges whole stretches at once, and must land on the same points and breaks.
    @Test func bucketsAreASampleBySampleMerge() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(path)
        let reader = try HistoryReader(path: path)
        let (since, until) = (Self.start - 60, Self.end + 60)
        let plain = try reader.changingSeries(since: since, until: until)
        // Wide buckets, narrow ones, one narrower than the coarse samples, and a short window.
        for (width, window) in [(1296.0, 3600.0), (600, 3600), (61, 3600), (3600, 600)] {
            let detail = HistoryDetail(bucketWidth: width, window: window)
            let bucketed = try reader.changingSeries(since: since, until: until, detail: detail)
            #expect(bucketed.series.map(\.group) == plain.series.map(\.group))
            for (series, all) in zip(bucketed.series, plain.series) {
                let expected = Self.merge(all.points, since: since, detail: detail)
                #expect(series.points == expected.points, "width \(width), window \(window)")
                #expect(series.segmentStarts == expected.starts && series.fdSegmentStarts == expected.fdStarts)
            }
        }
    }

    /// `HistoryDetail`'s rule, one point at a time.
    static func merge(
        _ all: [HistoryPoint],
        since: Double,
        detail: HistoryDetail
    ) -> (points: [HistoryPoint], starts: [Int], fdStarts: [Int]) {
        func breaks(_ previous: Double?, _ time: Double) -> Bool {
            previous.map { time - $0 <= 0 || time - $0 > TimeSeries.defaultMaxGap } ?? true
        }
        guard let last = all.last else { return ([], [], []) }
        let latest = min(last.time, all.last { $0.fds != nil }?.time ?? last.time)
        var result: (points: [HistoryPoint], starts: [Int], fdStarts: [Int]) = ([], [], [])
        var bucket: (number: Double, points: [HistoryPoint])?
        func flush() {
            guard let (_, points) = bucket, let newest = points.last else { return }
            var peak = points[0].peak.values
            for point in points { peak = zip(peak, point.peak.values).map { max($0, $1) } }
            var merged = newest
            merged.peak = StateCounts(values: peak)
            if points.count > 1 { merged.resolution = max(newest.resolution, Int(detail.bucketWidth.rounded())) }
            result.points.append(merged)
            bucket = nil
        }
        var (previous, previousFD): (Double?, Double?) = (nil, nil)
        for point in all {
            let startsSegment = breaks(previous, point.time)
            let startsFDSegment = point.fds != nil && breaks(previousFD, point.time)
            previous = point.time
            if point.fds != nil { previousFD = point.time }
            if point.time < latest - detail.window && !startsSegment && !startsFDSegment {
                let number = ((point.time - since) / detail.bucketWidth).rounded(.down)
                if let open = bucket, open.number == number, (open.points.last?.fds == nil) == (point.fds == nil) {
                    bucket?.points.append(point)
                } else {
                    flush()
                    bucket = (number, [point])
                }
            } else {
                flush()
                if startsSegment { result.starts.append(result.points.count) }
                if startsFDSegment { result.fdStarts.append(result.points.count) }
                result.points.append(point)
            }
        }
        flush()
        return result
    }
}
