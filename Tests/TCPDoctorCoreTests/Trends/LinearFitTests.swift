import Testing

@testable import TCPDoctorCore

struct LinearFitTests {
    @Test func anExactLineIsFittedExactly() throws {
        let points = SeriesMaker.points(count: 10) { 100 + 0.5 * $0 }
        let fit = try #require(LinearFit(points))
        #expect(abs(fit.slope - 0.5) < 1e-9)
        #expect(abs(fit.value(at: SeriesMaker.start) - 100) < 1e-6)
        #expect(abs(fit.r2 - 1) < 1e-12)
        #expect(fit.residualDeviation < 1e-6)
        #expect(abs(fit.ratePerMinute - 30) < 1e-6)
        let reach = try #require(fit.time(reaching: 400))
        #expect(abs(reach - (SeriesMaker.start + 600)) < 1e-6)
    }

    @Test func theInterceptIsAtTheEpochDespiteLargeTimes() throws {
        let points = [TimePoint(time: 1_000, value: 3), TimePoint(time: 1_010, value: 5)]
        let fit = try #require(LinearFit(points))
        #expect(abs(fit.intercept - (-197)) < 1e-9)
        #expect(fit.count == 2 && fit.start == 1_000 && fit.end == 1_010)
    }

    @Test func aFlatSeriesIsAPerfectFlatFit() throws {
        let fit = try #require(LinearFit(SeriesMaker.points(count: 8) { _ in 42 }))
        #expect(fit.slope == 0)
        #expect(fit.r2 == 1)
        #expect(fit.time(reaching: 50) == nil)
    }

    @Test func tooFewOrCoincidentPointsHaveNoFit() {
        #expect(LinearFit([TimePoint(time: 1, value: 1)]) == nil)
        #expect(LinearFit([TimePoint(time: 1, value: 1), TimePoint(time: 1, value: 9)]) == nil)
        #expect(LinearFit([TimePoint]()) == nil)
    }

    @Test func noiseLowersR2() throws {
        var maker = SeriesMaker()
        let noisy = SeriesMaker.points(count: 60) { _ in 0 }.map {
            TimePoint(time: $0.time, value: 100 + maker.noise(20))
        }
        let fit = try #require(LinearFit(noisy))
        #expect(fit.r2 < 0.2)
        #expect(fit.residualDeviation > 5)
    }
}
