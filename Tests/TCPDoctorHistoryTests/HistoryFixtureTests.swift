import Foundation
import GRDB
import TCPDoctorCore
import Testing

@testable import TCPDoctorHistory

/// Databases as each schema wrote them, committed as bytes: every later tcpdoctor must open and
/// migrate them and read back what was recorded (atop's users lose their logs between versions).
///
/// `Fixtures/history-vN.sqlite` holds 24 samples ten seconds apart from 1,765,000,000 on, of one
/// process (pid 4242, start time 777, `leaky`) whose CLOSE_WAIT count is the sample's number,
/// with a finding each. From v2 on its fd count grows by one a sample (100 + the sample's number;
/// v1's held at 100), so that its rows leave the fd limits out after the first. A fixture is written
/// once, by the schema it is named after, and never again: `TCPDOCTOR_WRITE_FIXTURES=1 swift test
/// --filter HistoryFixtureTests` writes the one of the newest schema.
@Suite struct HistoryFixtureTests {
    static let start = 1_765_000_000.0
    static let samples = 24
    static func fds(_ index: Int) -> Int64 { 100 + Int64(index) }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["TCPDOCTOR_WRITE_FIXTURES"] == "1"))
    func writeFixture() throws {
        let newest = try #require(HistorySchema.migrator.migrations.last)
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/history-\(newest).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        do {
            let store = try HistoryStore(path: path, now: { Self.start + 3600 })
            for index in 0..<Self.samples {
                try store.append(
                    aggregate(closeWait: Int64(index), fds: Self.fds(index)),
                    at: Self.start + Double(index) * 10
                )
            }
        }
        // One file, no WAL beside it.
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
            try db.execute(sql: "VACUUM")
        }
    }

    @Test(arguments: ["v1", "v2"]) func opensMigratesAndReadsAFixture(_ schema: String) throws {
        let fixture = try #require(
            Bundle.module.url(forResource: "history-\(schema)", withExtension: "sqlite", subdirectory: "Fixtures")
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
        #expect(leaky.points.allSatisfy { $0.fdSoftLimit == 1024 })
        let fds = (0..<Self.samples).map { schema == "v1" ? 100 : Self.fds($0) }
        #expect(leaky.points.map(\.fds) == fds)
        let findings = try store.findings(since: 0, until: .infinity)
        #expect(findings.count == Self.samples)
        #expect(findings.last?.finding.rule == "close-wait-leak")

        // And the migrated database takes new samples.
        try store.append(aggregate(closeWait: 99), at: Self.start + 1000)
        #expect(try store.sampleCounts()[0] == Self.samples + 1)
    }
}
