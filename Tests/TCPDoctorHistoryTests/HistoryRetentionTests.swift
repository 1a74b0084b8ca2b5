import Foundation
import GRDB
import TCPDoctorCore
import Testing

@testable import TCPDoctorHistory

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {  // Only the test's own thread moves and reads it.
    var now: Double
    init(_ now: Double) { self.now = now }
}

func temporaryDatabase() -> (directory: String, path: String) {
    let directory = NSTemporaryDirectory() + "tcpdoctor-history-\(UUID().uuidString)"
    return (directory, directory + "/history.sqlite")
}

/// One process with a listener holding `closeWait` CLOSE_WAIT sockets.
func aggregate(closeWait: Int64, pid: Int32 = 4242, fds: Int64 = 100) -> SampleAggregate {
    let process = SampleAggregate.ProcessKey(pid: pid, startTime: 777)
    var counts = StateCounts()
    counts.values[0] = 1
    counts.values[8] = closeWait
    counts.values[StateCounts.recvQIndex] = closeWait
    return SampleAggregate(
        groups: [SampleAggregate.GroupKey(netns: 1, process: process, place: .localPort(8000)): counts],
        processes: [
            process: SampleAggregate.Process(
                key: process,
                command: "leaky",
                argvHash: 1,
                openFiles: fds,
                fileLimitSoft: 1024,
                fileLimitHard: 4096
            )
        ],
        namespaces: [1: SampleAggregate.Namespace(netns: 1, counts: counts, counters: ["Tcp.ActiveOpens": 5])],
        findings: [
            SampleAggregate.FindingRecord(
                rule: "close-wait-leak",
                severity: .warning,
                subject: "cw/4242",
                size: closeWait
            )
        ],
        sockets: counts.total
    )
}

@Suite struct HistoryRetentionTests {
    /// 400 simulated days: a sample every 30 minutes, and on day 390 a burst of 10-second samples
    /// whose CLOSE_WAIT count spikes to 50 and falls back to 7 within one minute.
    @Test func downsamplesAndExpiresOver400Days() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let start = 1_700_000_000.0
        let clock = TestClock(start)
        let store = try HistoryStore(path: path, now: { [clock] in clock.now })
        let day = 86400.0
        let burst = start + 390 * day
        var time = start
        var nextRetention = start + day
        while time < start + 400 * day {
            if time >= burst && time < burst + 60 {
                let spike: Int64 = time < burst + 30 ? 50 : 7
                try store.append(aggregate(closeWait: spike, fds: 100 + spike), at: time)
                time += 10
                clock.now = time
                continue
            }
            try store.append(aggregate(closeWait: Int64(time - start) / 86400 % 5), at: time)
            time = time < burst && time + 1800 > burst ? burst : time + 1800
            clock.now = time
            if time >= nextRetention {
                try store.applyRetention()
                nextRetention += day
            }
        }
        try store.applyRetention()
        let counts = try store.sampleCounts()
        // Raw: 48 h of half-hourly samples, plus at most one keyframe period (1 h) kept to stay readable.
        #expect((96...99).contains(counts[0] ?? 0))
        #expect((counts[60] ?? 0) > 0 && (counts[600] ?? 0) > 0)
        // Nothing older than 400 days plus one keyframe period of the coarsest level (60 h).
        let oldest = try store.series(since: 0, until: .infinity).flatMap(\.points).map(\.time).min() ?? 0
        #expect(oldest >= clock.now - 400 * day - 60 * 3600)
        // The burst lies beyond 48 h: it is one 1-minute bucket with the spike as maximum, the last as value.
        let burstPoints = try store.series(since: burst, until: burst + 59).flatMap(\.points)
        let bucket = try #require(burstPoints.first)
        #expect(burstPoints.count == 1)
        #expect(bucket.resolution == 60)
        #expect(bucket.peak[.closeWait] == 50)
        #expect(bucket.counts[.closeWait] == 7)
        #expect(bucket.fds == 107)
        let findings = try store.findings(since: burst, until: burst + 59)
        #expect(findings.count == 1 && findings.first?.sizeMax == 50 && findings.first?.finding.size == 7)
        // About 20,000 samples remain (mostly the 10-minute level), each with a host row and a finding: bounded.
        #expect(try store.usedBytes() < 8_000_000)
        let integrity = try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
    }

    @Test func sizeCapDeletesOldestSamples() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var retention = HistoryRetention.standard
        retention.maxBytes = 200_000
        let clock = TestClock(1_700_000_000)
        let store = try HistoryStore(path: path, retention: retention, now: { [clock] in clock.now })
        for index in 0..<3000 {
            // Many processes, changing every sample, so that the database grows.
            var sample = aggregate(closeWait: Int64(index % 7))
            for pid in Int32(1)...20 {
                let key = SampleAggregate.ProcessKey(pid: pid, startTime: 1)
                var counts = StateCounts()
                counts.values[1] = Int64((index + Int(pid)) % 11)
                sample.groups[SampleAggregate.GroupKey(netns: 1, process: key, place: .peer(.ipv4Any))] = counts
            }
            try store.append(sample, at: clock.now)
            clock.now += 10
        }
        let report = try store.applyRetention()
        #expect(report.samplesDeletedForSize > 0)
        #expect(try store.usedBytes() <= 200_000)
        #expect(try store.series(since: 0, until: .infinity).isEmpty == false)
    }

    @Test func pidReuseKeepsTwoProcesses() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try HistoryStore(path: path)
        var first = aggregate(closeWait: 3)
        try store.append(first, at: 1000)
        // The same pid, started later: another process.
        let reused = SampleAggregate.ProcessKey(pid: 4242, startTime: 999)
        first.processes = [reused: SampleAggregate.Process(key: reused, command: "other", argvHash: 2, openFiles: 5)]
        first.groups = [SampleAggregate.GroupKey(netns: 1, process: reused, place: .localPort(8000)): StateCounts()]
        first.groups[first.groups.keys.first!]!.values[0] = 1
        try store.append(first, at: 1010)
        let series = try store.series(since: 0, until: 2000)
        #expect(Set(series.compactMap { $0.group.process?.startTime }) == [777, 999])
        #expect(series.first { $0.group.process?.startTime == 777 }?.group.process?.firstSeen == 1000)
    }
}
