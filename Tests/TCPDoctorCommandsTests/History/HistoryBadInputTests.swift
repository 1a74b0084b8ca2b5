import Foundation
import Testing

/// `tcpdoctor history` on what is not a usable database, and on malformed flags: a message that
/// names what and where, a documented exit status, and the file left as it was.
@Suite struct HistoryBadInputTests {
    @Test func aMissingDatabaseSaysHowToStartOne() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("none.sqlite")
        for arguments in [["history", "--db", path], ["history", "--db", path, "--json"]] {
            let run = try runTCPDoctor(arguments)
            #expect(run.status == 6)
            #expect(run.stderr.contains(path) && run.stderr.contains("start one with `tcpdoctor record`"))
            if arguments.contains("--json") {
                let error = try #require(try run.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == "history_unusable")
            }
        }
        // Asking never creates the database (nor its directory's WAL files).
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    /// Each malformed command line and what its message must name.
    static let malformed: [(arguments: [String], names: [String])] = [
        (["--since", "6x"], ["--since", "'6x'"]), (["--since", "2026-13-01"], ["--since", "2026-13-01"]),
        (["--since", "2026-02-30"], ["--since", "2026-02-30"]), (["--until", "yesterday"], ["--until", "yesterday"]),
        (["--since", "2026-12-07T25:00Z"], ["--since", "2026-12-07T25:00Z"]),
        (["--window", "0m"], ["--window", "0m"]),
        (["--window", "soon"], ["--window", "soon"]),
        (["--since", "2026-12-08", "--until", "2026-12-07"], ["--since", "--until", "2026-12-08T00:00:00Z"]),
        (["--pid", "1", "--port", "80"], ["--pid", "--port"]),
        (["--json", "--format", "openmetrics"], ["--json", "openmetrics"]),
        (["--port", "70000"], ["--port", "70000"]),
        (["--format", "csv"], ["--format", "csv"]),
    ]

    @Test(arguments: malformed.indices)
    func malformedFlagsAreUsageErrors(_ index: Int) throws {
        let (arguments, names) = Self.malformed[index]
        let run = try runTCPDoctor(["history", "--db", "/nonexistent/history.sqlite"] + arguments)
        #expect(run.status == 64, "\(arguments): \(run.stderr)")
        let message = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
        for name in names { #expect(message.contains(name), "\(arguments): \(message)") }
    }

    @Test func notADatabaseIsUnusableAndLeftAlone() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("garbage.sqlite")
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try garbage.write(to: URL(fileURLWithPath: path))
        let run = try runTCPDoctor(["history", "--db", path])
        #expect(run.status == 6)
        #expect(run.stderr.contains(path) && run.stderr.contains("not a usable SQLite database"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test func aDatabaseOfANewerTCPDoctorIsRefused() throws {
        let database = try HistoryTestDatabase()
        try database.write(HistoryTestDatabase.shapes, samples: 3)
        let sql = "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')"
        let insert = try runProgram("/usr/bin/env", ["python3", "-c", Self.python(sql), database.path])
        try #require(insert.status == 0, "\(insert.stderr)")
        let run = try runTCPDoctor(["history", "--db", database.path])
        #expect(run.status == 6)
        #expect(run.stderr.contains("newer tcpdoctor") && run.stderr.contains("v99-from-the-future"))
    }

    @Test func anSQLiteFileOfSomethingElseIsRefused() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("other.sqlite")
        let create = try runProgram("/usr/bin/env", ["python3", "-c", Self.python("CREATE TABLE t (x)"), path])
        try #require(create.status == 0, "\(create.stderr)")
        let run = try runTCPDoctor(["history", "--db", path])
        #expect(run.status == 6)
        #expect(run.stderr.contains("is not a tcpdoctor history database"))
    }

    /// `history` opens read-only: the database file is byte for byte what it was, also when its
    /// mode forbids writing.
    @Test func readingChangesNothing() throws {
        let database = try HistoryTestDatabase()
        try database.write(HistoryTestDatabase.shapes, samples: 20)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: database.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: database.path))
        let run = try runTCPDoctor(["history", "--db", database.path] + HistoryCommandTests.range)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("pid 4101 leaky"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: database.path)) == before)
    }

    /// A Python program that runs `sql` on the database named by its first argument.
    static func python(_ sql: String) -> String {
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"\(sql)\"); c.commit(); c.close()"
    }
}
