import Foundation
import TCPDoctorCore
import TCPDoctorHistory

/// History databases of known shape, written through the real `HistoryStore` with an injected
/// clock, in a scratch directory removed when the value goes (also when a test fails).
final class HistoryTestDatabase {
    /// 2026-12-07 13:00:00 UTC.
    static let start: Double = 1_796_648_400
    /// Seconds between samples, as `record`'s default.
    static let step: Double = 10
    /// The soft fd limit every process has.
    static let softLimit: Int64 = 1024

    let directory: ScratchDirectory
    let path: String

    /// A process of the database: its pid, command and the CLOSE_WAIT count of each sample.
    struct Leak: Sendable {
        var pid: Int32
        var command: String
        var port: UInt16
        var closeWait: @Sendable (_ index: Int) -> Int64
    }

    /// The three shapes at once, an hour of 10-second samples (361): a leak that grows by one
    /// CLOSE_WAIT per sample, a steady pile of about 40, one that drains from 360 to 0, and a
    /// flat process whose counts never change.
    static let shapes: [Leak] = [
        Leak(pid: 4101, command: "leaky", port: 8000) { Int64($0) },
        Leak(pid: 4102, command: "steady", port: 8001) { 40 + Int64($0 % 3 == 0 ? 1 : 0) },
        Leak(pid: 4103, command: "drainer", port: 8002) { Int64(360 - $0) },
        Leak(pid: 4104, command: "flat", port: 8003) { _ in 7 },
    ]

    init() throws {
        directory = try ScratchDirectory()
        path = directory.file("history.sqlite")
    }

    /// Writes `samples` samples of `leaks`, the i-th at `times(i)`.
    func write(_ leaks: [Leak], samples: Int = 361, times: (Int) -> Double = { start + Double($0) * step }) throws {
        let clock = Clock(Self.start)
        let store = try HistoryStore(path: path, now: { [clock] in clock.now })
        for index in 0..<samples {
            let time = times(index)
            clock.now = time
            try store.append(Self.aggregate(leaks, index: index), at: time)
        }
    }

    /// The process holds one listener and its CLOSE_WAIT sockets, each an fd: fds = 100 + count.
    static func aggregate(_ leaks: [Leak], index: Int) -> SampleAggregate {
        var aggregate = SampleAggregate()
        for leak in leaks {
            let key = SampleAggregate.ProcessKey(pid: leak.pid, startTime: 5000 + UInt64(leak.pid))
            let closeWait = leak.closeWait(index)
            var counts = StateCounts()
            counts.values[0] = 1
            counts.values[8] = closeWait
            counts.values[StateCounts.recvQIndex] = closeWait
            aggregate.groups[
                SampleAggregate.GroupKey(netns: 4_026_531_840, process: key, place: .localPort(leak.port))
            ] =
                counts
            aggregate.processes[key] = SampleAggregate.Process(
                key: key,
                command: leak.command,
                argvHash: UInt64(leak.pid),
                openFiles: 100 + closeWait,
                fileLimitSoft: softLimit,
                fileLimitHard: 4096
            )
            aggregate.sockets += counts.total
        }
        return aggregate
    }

    /// A clock the test moves by hand.
    final class Clock: @unchecked Sendable {  // Only the test's own thread moves and reads it.
        var now: Double
        init(_ now: Double) { self.now = now }
    }
}
