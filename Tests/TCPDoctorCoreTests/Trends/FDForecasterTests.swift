import Testing

@testable import TCPDoctorCore

/// `FDForecaster`: per process, its recent fds and the seconds until its soft limit.
struct FDForecasterTests {
    static func process(_ pid: Int32, fds: Int, limit: UInt64? = 1000, started: UInt64 = 1) -> TCPProcess {
        var process = TCPProcess(pid: pid, command: "p\(pid)", openFiles: fds, fileLimitSoft: limit)
        process.startTime = started
        return process
    }

    @Test func aSteadyLeakIsForecastToItsLimit() throws {
        var forecaster = FDForecaster()
        var seconds: [Int32: Double] = [:]
        // Ten fds a minute from 100, one snapshot every 30 s for 20 minutes; pid 2 holds at 100.
        for step in 0...40 {
            let time = 1_800_000_000 + 30 * Double(step)
            seconds = forecaster.update(
                [1: Self.process(1, fds: 100 + 5 * step), 2: Self.process(2, fds: 100)],
                at: time
            )
        }
        // At 300 fds, 700 to go at 10 a minute: 70 minutes.
        let eta = try #require(seconds[1])
        #expect(abs(eta - 4200) < 1, "eta \(eta) s")
        #expect(seconds[2] == nil)
    }

    @Test func noForecastWithoutALimitOrWithTooFewPoints() {
        var forecaster = FDForecaster()
        for step in 0..<5 {
            let seconds = forecaster.update([1: Self.process(1, fds: 100 + 10 * step)], at: 1_000 + 10 * Double(step))
            #expect(seconds.isEmpty, "a forecast from \(step + 1) points")
        }
        var unlimited = FDForecaster()
        for step in 0..<20 {
            let seconds = unlimited.update(
                [1: Self.process(1, fds: 100 + 10 * step, limit: nil)],
                at: 1_000 + 10 * Double(step)
            )
            #expect(seconds.isEmpty)
        }
    }

    @Test func aReusedPidStartsAfreshAndGoneProcessesAreForgotten() {
        var forecaster = FDForecaster()
        for step in 0..<10 {
            _ = forecaster.update([1: Self.process(1, fds: 100 + 10 * step)], at: 1_000 + 10 * Double(step))
        }
        // The same pid with another start time is another process: one point, no forecast.
        let reused = forecaster.update([1: Self.process(1, fds: 500, started: 99)], at: 1_100)
        #expect(reused.isEmpty)
        #expect(forecaster.trackedProcesses == 1)
        _ = forecaster.update([:], at: 1_110)
        #expect(forecaster.trackedProcesses == 0)
    }

    @Test func pointsAreBoundedAndSpreadOverTheWindow() throws {
        var options = TrendOptions()
        options.window = 600
        var forecaster = FDForecaster(options: options, capacity: 10)
        var seconds: [Int32: Double] = [:]
        // A snapshot a second for 20 minutes: the fit must still see the last ten minutes' pace.
        for step in 0...1200 {
            seconds = forecaster.update([1: Self.process(1, fds: 100 + step / 6)], at: Double(step))
        }
        let kept = try #require(forecaster.series.values.first).count
        #expect(kept <= 11, "\(kept) points kept")
        let eta = try #require(seconds[1])
        // 300 fds at 10 a minute: 700 to go in about 70 minutes.
        #expect(abs(eta - 4200) < 60, "eta \(eta) s")
    }
}
