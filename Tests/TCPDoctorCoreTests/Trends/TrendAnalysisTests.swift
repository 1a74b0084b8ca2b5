import Testing

@testable import TCPDoctorCore

struct TrendAnalysisTests {
    @Test func anExactLeakIsGrowingWithAnExactForecast() throws {
        // 10 CLOSE_WAIT a minute from 100, one sample a minute for 30 minutes.
        let series = TimeSeries(SeriesMaker.points(count: 31) { 100 + $0 / 6 })
        let trend = TrendAnalysis.trend(of: series, limit: 1000)
        #expect(trend.kind == .growing)
        #expect(abs(try #require(trend.ratePerMinute) - 10) < 1e-9)
        let forecast = try #require(trend.forecast)
        // Now the count is 400; 600 more at 10/min is 60 minutes.
        #expect(abs(forecast.etaSeconds - 3600) < 1e-6)
        #expect(abs(forecast.at - (SeriesMaker.start + 1800 + 3600)) < 1e-6)
        #expect(forecast.method == "least-squares")
        #expect(forecast.limit == 1000)
        #expect(trend.noForecastReason == nil)
        #expect(trend.firstSeen == SeriesMaker.start)
    }

    @Test func noisyGrowthIsGrowing() throws {
        var maker = SeriesMaker()
        let points = SeriesMaker.points(count: 60) { 500 + 20 * $0 / 60 }.map {
            TimePoint(time: $0.time, value: ($0.value + maker.noise(15)).rounded())
        }
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 5000)
        #expect(trend.kind == .growing)
        let rate = try #require(trend.ratePerMinute)
        #expect(rate > 18 && rate < 22)
        #expect(try #require(trend.fit).r2 > 0.9)
        #expect(trend.forecast != nil)
    }

    @Test func aSteadyPileWithNoiseIsSteadyAndHasNoForecast() {
        var maker = SeriesMaker()
        let points = SeriesMaker.points(count: 60) { _ in 0 }.map {
            TimePoint(time: $0.time, value: (300 + maker.noise(10)).rounded())
        }
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 1000)
        #expect(trend.kind == .steady)
        #expect(trend.forecast == nil)
        #expect(trend.firstSeen == nil)
        #expect(
            trend.noForecastReason == .slopeNotPositive || trend.noForecastReason == .poorFit
        )
    }

    @Test func aDrainingPileIsDrainingWithoutForecast() throws {
        let series = TimeSeries(SeriesMaker.points(count: 40) { 2000 - 3 * $0 / 60 })
        let trend = TrendAnalysis.trend(of: series, limit: 20_000)
        #expect(trend.kind == .draining)
        #expect(abs(try #require(trend.ratePerMinute) + 3) < 1e-9)
        #expect(trend.noForecastReason == .slopeNotPositive)
    }

    @Test func aSawtoothThatIsClearedIsNotALeak() {
        // Piles to 90 over ten minutes, then a restart clears it: six teeth in the hour.
        let points = SeriesMaker.points(count: 60) { 10 * (($0 / 60).truncatingRemainder(dividingBy: 10)) }
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 1000)
        #expect(trend.kind == .steady)
        #expect(trend.forecast == nil)
    }

    @Test func onlyTheWindowIsFitted() throws {
        // Flat for two hours, then growing for the last 30 minutes: a 30-minute window sees
        // only the growth.
        let points = SeriesMaker.points(count: 151) { $0 < 7200 ? 50 : 50 + ($0 - 7200) / 60 * 4 }
        var options = TrendOptions()
        options.window = 1800
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 1000, options: options)
        #expect(trend.samples == 31)
        #expect(abs(try #require(trend.ratePerMinute) - 4) < 1e-9)
        #expect(try #require(trend.fit).start == SeriesMaker.start + 7200)
        // The pile started at the last sample at the baseline, 2 h after the start.
        #expect(trend.firstSeen == SeriesMaker.start + 7200)
    }

    @Test func thePileStartIsTheLastMomentAtTheBaseline() throws {
        var maker = SeriesMaker()
        // Around 50 (noise of one) until 13:07, then +38 a minute.
        let points = SeriesMaker.points(count: 60) { offset in
            offset <= 420 ? 50 : 50 + 38 * (offset - 420) / 60
        }.map { TimePoint(time: $0.time, value: ($0.value + maker.noise(1)).rounded()) }
        let start = try #require(TrendAnalysis.pileStart(points))
        #expect(start == SeriesMaker.start + 420)
        let trend = TrendAnalysis.trend(of: TimeSeries(points))
        #expect(trend.firstSeen == start)
        #expect(trend.noForecastReason == .noLimit)
    }

    @Test func aClockStepBackFitsOnlyTheCurrentSegment() throws {
        // Growing at 5/min; then the clock steps back an hour and sampling goes on at the same
        // rate. Sorting by time would interleave the runs and ruin the fit.
        var points = SeriesMaker.points(count: 30) { 100 + 5 * $0 / 60 }
        let resumed = SeriesMaker.start + 29 * 60 - 3600
        points += SeriesMaker.points(count: 10, from: resumed) { 250 + 5 * $0 / 60 }
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 1000)
        #expect(trend.clockJumps == 1)
        #expect(trend.samples == 10)
        #expect(abs(try #require(trend.ratePerMinute) - 5) < 1e-9)
        #expect(try #require(trend.fit).r2 > 0.999)
    }

    @Test func aClockLeapForwardDoesNotMakeAFalseRate() throws {
        // Steady at 80; the clock leaps a day forward. Across the leap the rate would look like
        // zero growth over a day; within the segment it is exact.
        var points = SeriesMaker.points(count: 10) { _ in 80 }
        points += SeriesMaker.points(count: 8, from: SeriesMaker.start + 86_400) { 80 + $0 / 60 }
        let trend = TrendAnalysis.trend(of: TimeSeries(points))
        #expect(trend.samples == 8)
        #expect(abs(try #require(trend.ratePerMinute) - 1) < 1e-9)
    }

    @Test func tooFewSamplesGiveNoFitAndSayWhy() {
        let trend = TrendAnalysis.trend(of: TimeSeries(SeriesMaker.points(count: 5) { $0 }), limit: 10)
        #expect(trend.kind == .tooFewSamples)
        #expect(trend.fit == nil && trend.ratePerMinute == nil)
        #expect(trend.noForecastReason == .tooFewSamples)
        #expect(trend.samples == 5)
        let empty = TrendAnalysis.trend(of: TimeSeries([]))
        #expect(empty.kind == .tooFewSamples && empty.latest == nil)
    }

    @Test func aPoorFitGivesNoForecast() throws {
        var maker = SeriesMaker()
        // A slow rise buried in large noise.
        let points = SeriesMaker.points(count: 60) { 1000 + $0 / 60 }.map {
            TimePoint(time: $0.time, value: $0.value + maker.noise(40))
        }
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 100_000)
        let fit = try #require(trend.fit)
        #expect(fit.r2 < 0.8)
        #expect(trend.forecast == nil)
        #expect(trend.noForecastReason == .poorFit || trend.noForecastReason == .slopeNotPositive)
    }

    @Test func aPoorFitOfARealRiseIsPoorFit() throws {
        // A rise with a large tooth: the slope is positive, the fit explains little.
        let points = SeriesMaker.points(count: 30) { offset in
            let index = Int(offset / 60)
            return Double(index) + (index % 2 == 0 ? 0 : 40)
        }
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 10_000)
        #expect(try #require(trend.fit).slope > 0)
        #expect(try #require(trend.fit).r2 < 0.8)
        #expect(trend.noForecastReason == .poorFit)
    }

    @Test func aLimitAlreadyReachedIsSaid() {
        let series = TimeSeries(SeriesMaker.points(count: 20) { 900 + $0 / 6 })
        let trend = TrendAnalysis.trend(of: series, limit: 1000)
        #expect(trend.kind == .growing)
        #expect(trend.forecast == nil)
        #expect(trend.noForecastReason == .limitReached)
    }

    @Test func aSimulatedLeakIsForecastWithinTwentyPercent() throws {
        // A service leaks 38 fds a minute from 1200 with noisy bursts; the limit is 20000.
        // Sampled every 10 s for 45 minutes.
        var maker = SeriesMaker()
        let rate = 38.0 / 60
        let points = SeriesMaker.points(count: 271, step: 10) { 1200 + rate * $0 }.map {
            TimePoint(time: $0.time, value: ($0.value + maker.noise(25)).rounded())
        }
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 20_000)
        let forecast = try #require(trend.forecast)
        let now = try #require(points.last).time
        let truth = (20_000 - (1200 + rate * (now - SeriesMaker.start))) / rate
        #expect(abs(forecast.etaSeconds - truth) / truth < 0.2)
        #expect(forecast.r2 > 0.95)
    }
}
