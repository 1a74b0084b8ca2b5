import Foundation
import TCPDoctorCore
import Testing

@testable import TCPDoctorHistory

/// What the history adds to live findings (issue 14, item 5), on databases written by
/// `HistoryStore` with an injected clock.
@Suite struct DoctorHistoryTests {
    static let start = 1_765_000_000.0

    /// 20 samples a minute apart of pid 4242 (start time 777) leaking 10 CLOSE_WAIT and 10 fds a
    /// minute towards its soft limit 1024.
    func leakingDatabase() throws -> (directory: String, path: String) {
        let (directory, path) = temporaryDatabase()
        let store = try HistoryStore(path: path, now: { Self.start + 3600 })
        for minute in 0..<20 {
            try store.append(
                aggregate(closeWait: Int64(10 * minute), fds: 100 + Int64(10 * minute)),
                at: Self.start + Double(minute) * 60
            )
        }
        return (directory, path)
    }

    func liveFinding() -> Finding {
        Finding(
            rule: "close-wait-leak",
            severity: .warning,
            summary: "leaks",
            processes: [.init(pid: 4242, command: "leaky")],
            size: 200,
            evidence: [EvidenceField("oldest_age_seconds_estimate", .integer(7200))],
            why: "",
            id: "cw/4242"
        )
    }

    func process(startTime: UInt64) -> [Int32: TCPProcess] {
        var process = TCPProcess(pid: 4242, command: "leaky", openFiles: 300, fileLimitSoft: 1024)
        process.startTime = startTime
        return [4242: process]
    }

    @Test func aGrowingFindingGetsItsTrendAgeAndForecast() throws {
        let (directory, path) = try leakingDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let now = Self.start + 19 * 60
        let history = DoctorHistory.read(
            path: path,
            findings: [liveFinding()],
            processes: process(startTime: 777),
            now: now
        )
        #expect(history.status == .read)
        let trend = try #require(history.trends["cw/4242"])
        #expect(trend.size.kind == .growing)
        #expect(abs((trend.size.ratePerMinute ?? 0) - 10) < 0.01)
        #expect(trend.recordedSince == Self.start)
        // fds 290 at the last sample, +10 a minute: 1024 in 73.4 minutes.
        let forecast = try #require(trend.fds?.forecast)
        #expect(abs(forecast.etaSeconds - 73.4 * 60) < 1)
        #expect(forecast.limit == 1024)
        let age = try #require(FindingTrend.age(of: liveFinding(), trend: trend, now: now))
        #expect(age.source == .history && age.seconds == 19 * 60)
        let line = trend.line(for: liveFinding(), now: now)
        #expect(line.contains("growing since"), "\(line)")
        #expect(line.contains("pid 4242 reaches its fd soft limit 1024 in about 1 h 13 min"), "\(line)")
        #expect(line.contains("replaces tcp_info's estimate (2 h)"), "\(line)")
    }

    /// The same pid under another start time is another process: the history says nothing of it.
    @Test func aReusedPidBorrowsNoHistory() throws {
        let (directory, path) = try leakingDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let history = DoctorHistory.read(
            path: path,
            findings: [liveFinding()],
            processes: process(startTime: 999),
            now: Self.start + 19 * 60
        )
        #expect(history.status == .read)
        #expect(history.trends.isEmpty)
        let age = try #require(FindingTrend.age(of: liveFinding(), trend: nil, now: Self.start))
        #expect(age.source == .tcpInfo && age.seconds == 7200)
    }

    @Test func noDatabaseAndADamagedOneAreSaidNotFatal() throws {
        let (directory, path) = temporaryDatabase()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let absent = DoctorHistory.read(path: path, findings: [liveFinding()], processes: [:], now: Self.start)
        #expect(absent.status == .absent)
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: path))
        let damaged = DoctorHistory.read(path: path, findings: [liveFinding()], processes: [:], now: Self.start)
        #expect(damaged.status == .unusable)
        #expect(damaged.message?.contains(path) == true)
    }
}
