import Foundation
import GRDB
import TCPDoctorCore
import Testing

@testable import TCPDoctorHistory

/// A database as schema v1 wrote it, committed as bytes: every later tcpdoctor must open and
/// migrate it and read back what was recorded (atop's users lose their logs between versions).
///
/// `Fixtures/history-v1.sqlite` holds 24 samples ten seconds apart from 1,765,000,000 on, of one
/// process (pid 4242, start time 777, `leaky`) whose CLOSE_WAIT count is the sample's number,
/// with a finding each. Regenerate it only with the schema it is named after:
/// `TCPDOCTOR_WRITE_FIXTURES=1 swift test --filter HistoryFixtureTests`.
@Suite struct HistoryFixtureTests {
    static let start = 1_765_000_000.0
    static let samples = 24

    @Test(.enabled(if: ProcessInfo.processInfo.environment["TCPDOCTOR_WRITE_FIXTURES"] == "1"))
    func writeFixture() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/history-v1.sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        do {
            let store = try HistoryStore(path: path, now: { Self.start + 3600 })
            for index in 0..<Self.samples {
                try store.append(aggregate(closeWait: Int64(index)), at: Self.start + Double(index) * 10)
            }
        }
        // One file, no WAL beside it.
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
            try db.execute(sql: "VACUUM")
        }
    }

    @Test func opensMigratesAndReadsTheV1Fixture() throws {
        let fixture = try #require(
            Bundle.module.url(forResource: "history-v1", withExtension: "sqlite", subdirectory: "Fixtures")
        )
        let (directory, path) = temporaryDatabase()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)

        let store = try HistoryStore(path: path, now: { Self.start + 3600 })
        #expect(try store.appliedMigrations() == HistorySchema.migrator.migrations)
        try store.checkIntegrity()
        let series = try store.series(since: 0, until: .infinity)
        let leaky = try #require(series.first { $0.group.process?.pid == 4242 })
        #expect(leaky.group.process?.startTime == 777)
        #expect(leaky.group.process?.command == "leaky")
        #expect(leaky.group.placeKind == "port" && leaky.group.place == "8000")
        #expect(leaky.points.map(\.time) == (0..<Self.samples).map { Self.start + Double($0) * 10 })
        #expect(leaky.points.map { $0.counts[.closeWait] } == (0..<Self.samples).map(Int64.init))
        #expect(leaky.points.last?.fdSoftLimit == 1024)
        let findings = try store.findings(since: 0, until: .infinity)
        #expect(findings.count == Self.samples)
        #expect(findings.last?.finding.rule == "close-wait-leak")

        // And the migrated database takes new samples.
        try store.append(aggregate(closeWait: 99), at: Self.start + 1000)
        #expect(try store.sampleCounts()[0] == Self.samples + 1)
    }
}
