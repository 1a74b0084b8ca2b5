import Foundation
import GRDB
import TCPDoctorCore
import Testing

@testable import TCPDoctorHistory

/// `record` keeps writing while `history` or the doctor read: a reader that holds the write-ahead
/// log open must not make retention fail (its truncating checkpoint then waits for the next run).
@Suite struct HistoryConcurrencyTests {
    @Test func aLongReadDoesNotStopRetention() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let start = 1_700_000_000.0
        let clock = TestClock(start)
        let store = try HistoryStore(path: path, now: { [clock] in clock.now })
        for hour in 0..<100 {
            clock.now = start + Double(hour) * 3600
            try store.append(aggregate(closeWait: Int64(hour % 7)), at: clock.now)
        }
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            try? reader.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sample")
                holding.signal()
                release.wait()
            }
            done.signal()
        }.start()
        holding.wait()
        let report: RetentionReport
        do {
            defer { release.signal() }
            report = try store.applyRetention()
        }
        done.wait()
        #expect(report.samplesExpired > 0)
        try store.checkIntegrity()
        try store.append(aggregate(closeWait: 1), at: start + 101 * 3600)
    }
}
