import Foundation
import GRDB
import Glibc
import TCPDoctorHistory
import TCPDoctorTestSupport
import Testing

/// SIGTERM while `record` is sampling: the sample in progress is dropped, the cost report is
/// still written, and the status is 0.
@Suite struct RecordStopTests {
    /// Sampling back to back (a 0.1 s interval, with the tests' own sockets to walk), SIGTERM
    /// right after a sample was stored lands while the next one is being taken or awaited;
    /// either way the recorder ends with 0 and one more `record_log` row.
    @Test func sigtermWhileSamplingEndsWithStatusZeroAndACostRow() throws {
        let scratch = try Scratch()
        let connections = try (0..<100).map { _ in try LoopbackConnection.open() }
        defer { withExtendedLifetime(connections) {} }
        var rows = 0
        for round in 0..<5 {
            let recorder = try BackgroundTCPDoctor(["record", "--db", scratch.database, "--interval", "0.1"])
            let before = (try? storedSamples(scratch.database)) ?? 0
            try pollUntil("a sample of round \(round)") { (try? storedSamples(scratch.database)) ?? 0 > before }
            recorder.send(SIGTERM)
            #expect(try recorder.ending(within: 10) == .exited(0), "round \(round), stderr: \(recorder.stderr)")
            #expect(recorder.stderr.contains("signal 15, stopping"), "round \(round), stderr: \(recorder.stderr)")
            let costs = try HistoryStore(path: scratch.database).costLog()
            #expect(costs.count == rows + 1, "round \(round)")
            #expect(costs.last.map { $0.samples >= 1 } == true, "round \(round)")
            rows = costs.count
        }
    }
}

/// Samples at the finest level, read without migrating.
private func storedSamples(_ database: String) throws -> Int {
    var configuration = Configuration()
    configuration.readonly = true
    return try DatabaseQueue(path: database, configuration: configuration).read { db in
        try Int.fetchOne(db, sql: "SELECT count(*) FROM sample WHERE resolution = 0") ?? 0
    }
}

/// Polls `condition` every 20 ms for up to 30 s.
private func pollUntil(_ what: String, _ condition: () -> Bool) throws {
    let end = Date().addingTimeInterval(30)
    while !condition() {
        guard Date() < end else { throw RunError("no \(what) within 30 s") }
        usleep(20_000)
    }
}

/// A temporary directory for one test's database, removed at the end.
private final class Scratch {
    let directory: String
    var database: String { directory + "/history.sqlite" }

    init() throws {
        directory = NSTemporaryDirectory() + "tcpdoctor-record-stop-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}
