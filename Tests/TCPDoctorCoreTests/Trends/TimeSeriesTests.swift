import Testing

@testable import TCPDoctorCore

struct TimeSeriesTests {
    @Test func anUnbrokenRunIsOneSegment() {
        let series = TimeSeries(SeriesMaker.points(count: 5) { $0 })
        #expect(series.segments.count == 1)
        #expect(series.clockJumps == 0)
        #expect(series.current.count == 5)
    }

    @Test func aClockThatGoesBackStartsANewSegment() {
        var points = SeriesMaker.points(count: 5) { $0 }
        // NTP steps the clock back by two minutes after the fifth sample.
        points += SeriesMaker.points(count: 3, from: SeriesMaker.start + 120) { 1000 + $0 }
        let series = TimeSeries(points)
        #expect(series.segments.map(\.count) == [5, 3])
        #expect(series.clockJumps == 1)
        #expect(series.current.first?.value == 1000)
    }

    @Test func givenStartsAreKeptWhateverTheSpacing() {
        // Buckets 20 minutes apart: from the spacing alone every point would start a segment.
        var points = (0..<6).map { TimePoint(time: SeriesMaker.start + Double($0) * 1200, value: Double($0)) }
        #expect(TimeSeries(points).segmentStarts == [0, 1, 2, 3, 4, 5])
        let series = TimeSeries(points, segmentStarts: [0, 4])
        #expect(series.segmentStarts == [0, 4])
        #expect(series.current.map(\.value) == [4, 5])
        // A dropped point hands its start to the next one kept; the first point always starts one.
        points[4].value = .nan
        let dropped = TimeSeries(points, segmentStarts: [2, 4])
        #expect(dropped.points.count == 5)
        #expect(dropped.segmentStarts == [0, 2, 4])
        #expect(dropped.current.map(\.value) == [5])
    }

    @Test func aLeapForwardBeyondTheGapStartsANewSegment() {
        var points = SeriesMaker.points(count: 4) { $0 }
        points += SeriesMaker.points(count: 4, from: SeriesMaker.start + 7200) { $0 }
        let series = TimeSeries(points, maxGap: 900)
        #expect(series.segmentStarts == [0, 4])
        #expect(TimeSeries(points, maxGap: 10_000).segments.count == 1)
    }

    @Test func aRepeatedTimeAndNonFiniteValuesAreHandled() {
        let points = [
            TimePoint(time: 10, value: 1), TimePoint(time: 10, value: 2),
            TimePoint(time: 20, value: .nan), TimePoint(time: .infinity, value: 3),
            TimePoint(time: 30, value: 4),
        ]
        let series = TimeSeries(points)
        #expect(series.points.count == 3)
        #expect(series.segments.map(\.count) == [1, 2])
    }

    @Test func anEmptySeriesHasNoSegments() {
        let series = TimeSeries([])
        #expect(series.segments.isEmpty)
        #expect(series.current.isEmpty)
        #expect(series.clockJumps == 0)
    }
}
