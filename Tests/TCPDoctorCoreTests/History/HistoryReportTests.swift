import Testing

@testable import TCPDoctorCore

@Suite struct HistoryReportTests {
    /// 2026-12-07 13:00:00 UTC.
    static let start: Double = 1_796_648_400
    static let group = HistoryReport.Group(
        netns: 1,
        pid: 4121,
        startTime: 99,
        command: "leaky",
        placeKind: "port",
        place: "8000"
    )

    /// `count` samples every `step` seconds; CLOSE_WAIT from `closeWait`, fds 100 + CLOSE_WAIT.
    static func samples(
        _ count: Int,
        step: Double = 60,
        limit: Int64? = 2000,
        time: (Int) -> Double = { start + Double($0) * 60 },
        closeWait: (Int) -> Int64,
        timeWait: (Int) -> Int64 = { _ in 0 }
    ) -> [HistoryReport.Sample] {
        (0..<count).map { index in
            var counts = StateCounts()
            counts.values[0] = 1
            counts.values[8] = closeWait(index)
            counts.values[6] = timeWait(index)
            return HistoryReport.Sample(
                time: time(index),
                counts: counts,
                fds: 100 + closeWait(index),
                fdSoftLimit: limit
            )
        }
    }

    static func only(
        _ samples: [HistoryReport.Sample],
        group: HistoryReport.Group = group
    ) throws
        -> HistoryReport.StateReport
    {
        let report = HistoryReport(groups: [(group, samples)], since: start, until: start + 7200)
        return try #require(report.groups.first?.states.first { $0.state == .closeWait })
    }

    /// +5 CLOSE_WAIT a minute for 45 minutes: fds 100 + 5t reach 2000 at t = 380 min.
    @Test func aGrowingLeakIsForecastOnTheExactLine() throws {
        let state = try Self.only(Self.samples(46) { Int64($0 * 5) })
        #expect(state.kind == .growing)
        #expect(abs((state.ratePerMinute ?? 0) - 5) < 1e-9)
        let forecast = try #require(state.forecast)
        let exact = 380.0 * 60 - 45 * 60
        #expect(abs(forecast.etaSeconds - exact) <= exact * 0.01)
        #expect(abs(forecast.at - (Self.start + 380 * 60)) <= exact * 0.01)
        #expect(forecast.limit == 2000)
        #expect(state.noForecastReason == nil)
        #expect(state.firstSeen == Self.start)
        let sentence = state.sentence(pid: 4121)
        #expect(
            sentence
                == "growing at +5.0 CLOSE_WAIT/min (linear fit over the last 45 min, r² 1.00) since 13:00 UTC; "
                + "pid 4121 reaches its fd soft limit 2000 in about 5 h 35 min (19:20 UTC; fds +5.0/min, r² 1.00)"
        )
    }

    @Test func aSteadyPileHasNoForecastAndSaysWhy() throws {
        let state = try Self.only(Self.samples(60) { 40 + Int64($0 % 2) })
        #expect(state.kind == .steady)
        #expect(state.forecast == nil)
        #expect(state.noForecastReason == .notGrowing)
        #expect(state.sentence(pid: 4121).hasSuffix("; no forecast: not growing"))
        #expect(state.sentence(pid: 4121).hasPrefix("steady at 41 CLOSE_WAIT: "))
    }

    @Test func aDrainingPileIsToldApart() throws {
        let state = try Self.only(Self.samples(60) { Int64(300 - $0 * 5) })
        #expect(state.kind == .draining)
        #expect(abs((state.ratePerMinute ?? 0) + 5) < 1e-9)
        #expect(state.noForecastReason == .notGrowing)
        #expect(state.sentence(pid: 4121).hasPrefix("draining at -5.0 CLOSE_WAIT/min"))
    }

    /// Growth, then the clock back by an hour and a flat pile: the fit sees only the flat run.
    @Test func aClockJumpBackMakesNoSlope() throws {
        let samples = Self.samples(
            90,
            time: { $0 < 30 ? Self.start + Double($0) * 60 : Self.start + 1800 - 3600 + Double($0 - 30) * 60 },
            closeWait: { Int64(min($0, 29) * 4) }
        )
        let state = try Self.only(samples)
        #expect(state.trend.clockJumps == 1)
        #expect(state.kind == .steady)
        #expect(state.ratePerMinute == 0)
        #expect(state.forecast == nil)
    }

    @Test func flatGroupsAreCountedNotShown() {
        let flat = Self.samples(20) { _ in 12 }
        let growing = Self.samples(20) { Int64($0) }
        var other = Self.group
        other.pid = 5000
        let report = HistoryReport(
            groups: [(Self.group, flat), (other, growing)],
            since: Self.start,
            until: Self.start
        )
        #expect(report.skippedFlat == 1)
        #expect(report.groups.map(\.group.pid) == [5000])
        // Only the states that changed: CLOSE_WAIT, not the one LISTEN.
        #expect(report.groups.first?.states.map(\.state) == [.closeWait])
    }

    @Test func reasonsWithoutAForecast() throws {
        // No fd limit recorded.
        #expect(try Self.only(Self.samples(20, limit: nil) { Int64($0) }).noForecastReason == .noLimit)
        // Too few samples in the window.
        let few = try Self.only(Self.samples(4) { Int64($0) })
        #expect(few.kind == .tooFewSamples && few.noForecastReason == .tooFewSamples)
        #expect(few.sentence(pid: 1).hasPrefix("too few samples for a trend (4 in the window, 6 needed)"))
        // Sockets nobody holds hold no fd.
        var nobody = Self.group
        nobody.pid = nil
        #expect(try Self.only(Self.samples(20) { Int64($0) }, group: nobody).noForecastReason == .holdsNoFDs)
        // TIME_WAIT never holds an fd, whatever the group.
        let report = HistoryReport(
            groups: [(Self.group, Self.samples(20, closeWait: { _ in 3 }, timeWait: { Int64($0 * 10) }))],
            since: Self.start,
            until: Self.start
        )
        let timeWait = try #require(report.groups.first?.states.first)
        #expect(timeWait.state == .timeWait && timeWait.kind == .growing)
        #expect(timeWait.noForecastReason == .holdsNoFDs)
        // Already at the limit.
        #expect(try Self.only(Self.samples(20, limit: 110) { Int64($0) }).noForecastReason == .limitReached)
    }
}
