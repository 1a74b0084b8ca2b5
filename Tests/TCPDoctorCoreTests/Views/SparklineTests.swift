import Testing

@testable import TCPDoctorCore

@Suite struct SparklineTests {
    static let start: Double = 1_796_648_400

    static func series(_ values: [Double], step: Double = 10, from start: Double = start) -> [TimePoint] {
        values.enumerated().map { TimePoint(time: start + Double($0.offset) * step, value: $0.element) }
    }

    @Test func aRampClimbsEveryLevelInTheWidthAsked() {
        let chart = Sparkline(TimeSeries(Self.series((0..<8).map(Double.init))), width: 8)
        #expect(chart.text == "▁▂▃▄▅▆▇█")
        #expect(chart.minimum == 0 && chart.maximum == 7)
        #expect(chart.start == Self.start && chart.end == Self.start + 70)
        #expect(chart.breaks == 0)
    }

    @Test func widthIsExactWhateverThePointCount() {
        for count in [2, 7, 100, 5000] {
            for width in [10, 57, 200] {
                let chart = Sparkline(TimeSeries(Self.series((0..<count).map { Double($0 % 13) })), width: width)
                #expect(chart.text.count == width, "\(count) points in \(width) columns")
            }
        }
    }

    /// A column keeps the largest value that fell in it: a spike between samples is not lost.
    @Test func aSpikeInsideAColumnShows() {
        var values = Array(repeating: 0.0, count: 100)
        values[51] = 10
        let chart = Sparkline(TimeSeries(Self.series(values)), width: 10)
        #expect(chart.text.filter { $0 == "█" }.count == 1)
        #expect(chart.text.filter { $0 == "▁" }.count == 9)
    }

    /// The clock went back: two segments with a break between them, each drawn flat, never a slope.
    @Test func aClockJumpIsABreak() {
        let before = Self.series(Array(repeating: 5, count: 30))
        let after = Self.series(Array(repeating: 5, count: 30), from: Self.start - 3600)
        let chart = Sparkline(TimeSeries(before + after), width: 21)
        #expect(chart.breaks == 1)
        #expect(chart.text.count == 21)
        #expect(chart.text.filter { $0 == Sparkline.breakMark }.count == 1)
        #expect(chart.text.allSatisfy { $0 == "▁" || $0 == Sparkline.breakMark })
        let middle = chart.text.index(chart.text.startIndex, offsetBy: 10)
        #expect(chart.text[middle] == Sparkline.breakMark)
    }

    @Test func aForwardGapGetsColumnsByTimeAndABreak() {
        // 10 minutes, then nothing for an hour (a stopped recorder), then 30 minutes.
        let first = Self.series(Array(repeating: 1, count: 61))
        let second = Self.series(Array(repeating: 9, count: 181), from: Self.start + 4200)
        let chart = Sparkline(TimeSeries(first + second), width: 41)
        #expect(chart.breaks == 1)
        let parts = chart.text.split(separator: Sparkline.breakMark)
        #expect(parts.map(\.count) == [10, 30])
        #expect(parts[0].allSatisfy { $0 == "▁" } && parts[1].allSatisfy { $0 == "█" })
    }

    @Test func emptyAndFlat() {
        #expect(Sparkline(TimeSeries([]), width: 20).text.isEmpty)
        let flat = Sparkline(TimeSeries(Self.series([3, 3, 3])), width: 5)
        #expect(flat.text == "▁▁▁▁▁")
        #expect(Sparkline.level(5, low: 0, high: 10) == "▅")
    }
}
