import Foundation
import GRDB
import TCPDoctorCore
import Testing

@testable import TCPDoctorHistory

/// `HistoryReader`, the read-only side, against `HistoryStore`'s own replay of the same database.
@Suite struct HistoryReaderTests {
    static let start = 1_796_648_400.0

    /// Six hours of 10-second samples, with downsampling after two hours: groups that hold still,
    /// one that leaks, one that goes and comes back, a process whose fds change while its counts
    /// hold, a second process on a reused pid, and a socket nobody holds.
    static func write(_ path: String) throws -> HistoryStore {
        let clock = TestClock(start)
        let retention = HistoryRetention(
            levels: [
                HistoryRetention.Level(resolution: 0, keep: 2 * 3600),
                HistoryRetention.Level(resolution: 60, keep: 30 * 86400),
            ],
            maxBytes: nil
        )
        let store = try HistoryStore(path: path, retention: retention, now: { [clock] in clock.now })
        for index in 0..<2160 {
            let time = start + Double(index) * 10
            clock.now = time
            try store.append(aggregate(index), at: time)
            if index % 360 == 359 { _ = try store.applyRetention() }
        }
        return store
    }

    static func aggregate(_ index: Int) -> SampleAggregate {
        var aggregate = SampleAggregate()
        func add(
            pid: Int32,
            start: UInt64,
            port: UInt16,
            closeWait: Int64,
            fds: Int64,
            command: String = "svc",
            limit: Int64 = 1024
        ) {
            let key = SampleAggregate.ProcessKey(pid: pid, startTime: start)
            var counts = StateCounts()
            counts.values[0] = 1
            counts.values[8] = closeWait
            counts.values[StateCounts.recvQIndex + Int(closeWait % 3)] = closeWait
            aggregate.groups[SampleAggregate.GroupKey(netns: 1, process: key, place: .localPort(port))] = counts
            aggregate.processes[key] = SampleAggregate.Process(
                key: key,
                command: command,
                argvHash: UInt64(pid),
                openFiles: fds,
                fileLimitSoft: limit
            )
        }
        for n in 0..<20 { add(pid: 100 + Int32(n), start: 1, port: 9000 + UInt16(n), closeWait: 5, fds: 50) }
        // Its fd limit is raised once (rows after it carry the limit again, then leave it out).
        add(
            pid: 200,
            start: 1,
            port: 8000,
            closeWait: Int64(index / 7),
            fds: 100 + Int64(index / 7),
            limit: index < 1500 ? 1024 : 4096
        )
        if index % 500 < 300 { add(pid: 201, start: 1, port: 8001, closeWait: 3, fds: 60) }
        add(pid: 202, start: 1, port: 8002, closeWait: 2, fds: 60 + Int64(index / 100))
        add(
            pid: 203,
            start: index < 1000 ? 1 : 2,
            port: 8003,
            closeWait: 4,
            fds: 70,
            command: index < 1000 ? "old" : "new"
        )
        var orphan = StateCounts()
        orphan.values[6] = Int64(index % 40)
        aggregate.groups[SampleAggregate.GroupKey(netns: 1, process: nil, place: .peer(IPAddress("10.0.0.9")!))] =
            orphan
        return aggregate
    }

    @Test func readsWhatTheStoreReplays() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Self.write(path)
        let reader = try HistoryReader(path: path)
        // Both levels hold samples, so the ranges cross from the 1-minute buckets into raw samples.
        let levels = try store.sampleCounts()
        #expect((levels[0] ?? 0) > 0 && (levels[60] ?? 0) > 0, "\(levels)")
        for (since, until) in [
            (0.0, Double.infinity), (Self.start + 3000, Self.start + 9000), (Self.start + 20000, Self.start + 21000),
        ] {
            let expected = try store.series(since: since, until: until)
            let all = try reader.series(since: since, until: until)
            #expect(Set(all.map(\.group)) == Set(expected.map(\.group)))
            for series in expected {
                let read = all.first { $0.group == series.group }
                #expect(read?.points == series.points, "\(series.group) from \(since) to \(until)")
            }
            // The changing ones are the same series; the others are only counted.
            let (changing, unchanged) = try reader.changingSeries(since: since, until: until)
            // (Counts, not fds: pid 202's fds change while its counts hold, and it is unchanged.)
            let moving = expected.filter { series in
                series.points.contains { $0.counts != series.points[0].counts || $0.peak != series.points[0].peak }
            }
            #expect(Set(changing.map(\.group)) == Set(moving.map(\.group)))
            #expect(unchanged == expected.count - moving.count)
            for series in changing { #expect(series.points == expected.first { $0.group == series.group }?.points) }
        }
    }

    @Test func filtersAndRefusesToWrite() throws {
        let (directory, path) = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try Self.write(path)
        let reader = try HistoryReader(path: path)
        let leak = try reader.changingSeries(since: 0, until: .infinity) { $0.process?.pid == 200 }
        #expect(leak.series.map(\.group.place) == ["8000"] && leak.unchanged == 0)
        #expect(try reader.sampleRange().map { $0.last } == Self.start + 21_590)
        // The connection is SQLite's read-only one: a write fails.
        #expect(throws: (any Error).self) {
            try reader.queue.write { db in try db.execute(sql: "DELETE FROM sample") }
        }
        #expect(try reader.series(since: 0, until: .infinity).isEmpty == false)
    }
}

@Suite struct HistoryLocationTests {
    @Test func followsRootAndXDG() {
        #expect(HistoryLocation.defaultPath(isRoot: true, environment: [:]) == "/var/lib/tcpdoctor/history.sqlite")
        #expect(
            HistoryLocation.defaultPath(isRoot: false, environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"])
                == "/s/tcpdoctor/history.sqlite"
        )
        #expect(
            HistoryLocation.defaultPath(isRoot: false, environment: ["XDG_STATE_HOME": "", "HOME": "/h"])
                == "/h/.local/state/tcpdoctor/history.sqlite"
        )
    }
}
