import Testing

@testable import TCPDoctorCore

struct TrendTextTests {
    @Test func durationsReadWell() {
        #expect(TrendText.duration(0) == "0 s")
        #expect(TrendText.duration(45) == "45 s")
        #expect(TrendText.duration(41 * 60 + 10) == "41 min")
        #expect(TrendText.duration(3600) == "1 h")
        #expect(TrendText.duration(6300) == "1 h 45 min")
        #expect(TrendText.duration(3 * 86_400 + 4 * 3600 + 100) == "3 d 4 h")
        #expect(TrendText.duration(-5) == "0 s")
    }

    @Test func utcTimesAreShortOnTheSameDay() {
        let noon = SeriesMaker.start + 3600 * 1 + 52 * 60  // 14:52 UTC
        #expect(TrendText.utc(noon, relativeTo: SeriesMaker.start) == "14:52 UTC")
        #expect(TrendText.utc(noon + 86_400, relativeTo: noon) == "2026-12-08 14:52 UTC")
        #expect(TrendText.iso8601(SeriesMaker.start) == "2026-12-07T13:00:00Z")
        #expect(TrendText.iso8601(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(TrendText.iso8601(-1) == "1969-12-31T23:59:59Z")
    }

    @Test func numbersAreRoundedForReading() {
        #expect(TrendText.signedRate(38.2) == "+38")
        #expect(TrendText.signedRate(-2.54) == "-2.5")
        #expect(TrendText.signedRate(0.25) == "+0.25")
        #expect(TrendText.decimal(0.98, places: 2) == "0.98")
        #expect(TrendText.decimal(0.05, places: 2) == "0.05")
        #expect(TrendText.r2(0.981, unicode: false) == "r2 0.98")
    }

    @Test func theForecastSentenceStatesItsBasis() throws {
        // +38 a minute for 45 minutes, sampled each minute, ending at 13:45 at 2710.
        let points = SeriesMaker.points(count: 46) { 1000 + 38 * $0 / 60 }
        let trend = TrendAnalysis.trend(of: TimeSeries(points), limit: 20_000)
        let sentence = try #require(
            TrendText.forecastSentence(
                trend,
                unit: "CLOSE_WAIT",
                subject: "pid 4121",
                limitName: "its fd soft limit"
            )
        )
        // (20000 - 2710) / 38 = 455 min = 7 h 35 min, at 21:20 UTC.
        #expect(
            sentence
                == "at +38 CLOSE_WAIT/min (linear fit over the last 45 min, r² 1.00) pid 4121 "
                + "reaches its fd soft limit 20000 in about 7 h 35 min (21:20 UTC)"
        )
        #expect(TrendText.ageSentence(trend, unit: "CLOSE_WAIT") == "growing since 13:00 UTC, 45 min")
    }

    @Test func sentencesSayWhyThereIsNoForecast() throws {
        let draining = TrendAnalysis.trend(
            of: TimeSeries(SeriesMaker.points(count: 10) { 500 - $0 / 20 }),
            limit: 1000
        )
        let text = try #require(
            TrendText.forecastSentence(
                draining,
                unit: "CLOSE_WAIT",
                subject: "pid 7",
                limitName: "its fd soft limit",
                unicode: false
            )
        )
        #expect(text.hasPrefix("no forecast for pid 7: CLOSE_WAIT is not growing (-3.0 CLOSE_WAIT/min"))
        #expect(text.contains("r2 1.00"))
        #expect(TrendText.ageSentence(draining, unit: "CLOSE_WAIT").hasPrefix("draining at -3.0"))

        let few = TrendAnalysis.trend(of: TimeSeries(SeriesMaker.points(count: 4) { $0 }))
        #expect(TrendText.ageSentence(few, unit: "x") == "too few samples (4 of 6 needed)")
        #expect(
            TrendText.forecastSentence(few, unit: "x", subject: "s", limitName: "l") == nil
        )

        let full = TrendAnalysis.trend(
            of: TimeSeries(SeriesMaker.points(count: 10) { 990 + $0 / 60 }),
            limit: 995
        )
        #expect(
            TrendText.forecastSentence(full, unit: "fds", subject: "pid 9", limitName: "its limit")
                == "pid 9 has reached its limit (fds at 999)"
        )
    }
}
