import Foundation
import GRDB
import Glibc
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorTestSupport
import Testing

/// `tcpdoctor record` as users run it: the built binary on this host, its database read back with
/// the library, and the bad conditions of issue 14 (kill -9, a second recorder, corrupt,
/// read-only, newer and full databases).
@Suite struct RecordCommandTests {
    @Test func recordsTheTestsOwnCloseWaitSocket() throws {
        let scratch = try Scratch()
        let connection = try LoopbackConnection.open()
        try connection.clientClosesFirstAndAwaitCloseWait()
        let run = try runTCPDoctor(["record", "--db", scratch.database, "--interval", "0.2", "--count", "3"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("3 samples"), "stderr: \(run.stderr)")

        var status = stat()
        #expect(stat(scratch.database, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        let store = try HistoryStore(path: scratch.database)
        let port = String(connection.listener.port)
        let series = try store.series(since: 0, until: .infinity) {
            $0.process?.pid == getpid() && $0.placeKind == "port" && $0.place == port
        }
        #expect(series.count == 1)
        let last = try #require(series.first?.points.last)
        #expect(last.counts[.closeWait] == 1)
        #expect(last.counts[.listen] == 1)
        #expect(last.fds.map { $0 > 0 } == true)
        #expect(try store.sampleCounts()[0] == 3)
        #expect(try store.costLog().last?.samples == 3)
    }

    @Test func aSecondRecorderRefusesAndSIGTERMEndsTheFirstCleanly() throws {
        let scratch = try Scratch()
        let first = try BackgroundTCPDoctor(["record", "--db", scratch.database, "--interval", "0.5"])
        try poll("the first sample of pid \(first.pid)") { (try? samples(in: scratch.database)) ?? 0 >= 1 }

        let second = try runTCPDoctor(["record", "--db", scratch.database, "--count", "1"])
        #expect(second.status == 7, "stderr: \(second.stderr)")
        #expect(second.stderr.contains("Another tcpdoctor recorder (pid \(first.pid))"), "stderr: \(second.stderr)")
        #expect(second.stderr.contains(scratch.database))

        first.send(SIGTERM)
        #expect(try first.ending(within: 10) == .exited(0), "stderr: \(first.stderr)")
        #expect(first.stderr.contains("signal 15, stopping"))
        let costs = try HistoryStore(path: scratch.database).costLog()
        #expect(costs.last.map { $0.samples >= 1 } == true)
    }

    /// Many kill -9s of `record` sampling as fast as it may: every time the database passes
    /// SQLite's full integrity check, keeps every sample it had, and takes the next recorder.
    @Test func killNineNeverDamagesTheDatabase() throws {
        let scratch = try Scratch()
        var kept = 0
        for round in 0..<30 {
            let recorder = try BackgroundTCPDoctor(["record", "--db", scratch.database, "--interval", "0.1"])
            // Wait for at least one new sample, then kill at a varying moment of the next ones.
            try poll("a sample of round \(round)") { (try? samples(in: scratch.database)) ?? 0 > kept }
            usleep(UInt32(round % 4) * 37_000)
            recorder.send(SIGKILL)
            #expect(try recorder.ending(within: 10) == .signalled(SIGKILL))
            let check = try DatabaseQueue(path: scratch.database).read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check")
            }
            #expect(check == ["ok"], "round \(round)")
            let now = try samples(in: scratch.database)
            #expect(now > kept, "round \(round): \(now) samples after \(kept)")
            kept = now
        }
        let last = try runTCPDoctor(["record", "--db", scratch.database, "--interval", "0.1", "--count", "1"])
        #expect(last.status == 0, "stderr: \(last.stderr)")
        #expect(try samples(in: scratch.database) == kept + 1)
    }

    @Test func aCorruptDatabaseIsRefusedAndKept() throws {
        let scratch = try Scratch()
        let garbage = Data(repeating: 0x5a, count: 8192)
        try garbage.write(to: URL(fileURLWithPath: scratch.database))
        let run = try runTCPDoctor(["record", "--db", scratch.database, "--count", "1"])
        #expect(run.status == 6, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("\(scratch.database) is not a usable SQLite database"), "stderr: \(run.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.database)) == garbage)
    }

    @Test func aDatabaseOfANewerTCPDoctorIsRefusedAndKept() throws {
        let scratch = try Scratch()
        #expect(try runTCPDoctor(["record", "--db", scratch.database, "--count", "1"]).status == 0)
        try DatabaseQueue(path: scratch.database).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        let run = try runTCPDoctor(["record", "--db", scratch.database, "--count", "1"])
        #expect(run.status == 6, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("written by a newer tcpdoctor"), "stderr: \(run.stderr)")
        #expect(run.stderr.contains("v99-from-the-future"))
        #expect(try samples(in: scratch.database) == 1)
    }

    @Test func aMissingDirectoryIsMadeAndAnImpossibleOneIsSaid() throws {
        let scratch = try Scratch()
        let nested = scratch.directory + "/a/b/history.sqlite"
        #expect(try runTCPDoctor(["record", "--db", nested, "--count", "1"]).status == 0)
        var status = stat()
        #expect(stat(scratch.directory + "/a/b", &status) == 0)
        #expect(status.st_mode & 0o777 == 0o700)

        let impossible = try runTCPDoctor(["record", "--db", "/proc/self/tcpdoctor/history.sqlite", "--count", "1"])
        #expect(impossible.status == 6, "stderr: \(impossible.stderr)")
        #expect(impossible.stderr.contains("Could not create the directory /proc/self/tcpdoctor"))
    }

    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func aReadOnlyFileSystemIsSaid() throws {
        let mount = try TmpfsMount(size: "4m")
        let database = mount.path + "/history.sqlite"
        #expect(try runTCPDoctor(["record", "--db", database, "--count", "1"]).status == 0)
        try mount.remountReadOnly()
        let run = try runTCPDoctor(["record", "--db", database, "--count", "1"])
        #expect(run.status == 6, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("\(database) is read-only"), "stderr: \(run.stderr)")
    }

    /// A file system with 24 KiB free: the message says the disk is full; once space is freed,
    /// the same database records again.
    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func aFullDiskIsSaidAndNothingIsLost() throws {
        let mount = try TmpfsMount(size: "1m")
        let database = mount.path + "/history.sqlite"
        let filler = mount.path + "/filler"
        try fill(filler, leaving: 24 * 1024, of: mount.path)
        let run = try runTCPDoctor(["record", "--db", database, "--interval", "0.1", "--count", "40"])
        #expect(run.status == 6, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("The file system of \(database) is full"), "stderr: \(run.stderr)")
        let before = (try? samples(in: database)) ?? 0
        try FileManager.default.removeItem(atPath: filler)
        let again = try runTCPDoctor(["record", "--db", database, "--count", "2", "--interval", "0.1"])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(try samples(in: database) == before + 2)
    }

    @Test func badOptionsAreUsageErrors() throws {
        for arguments in [["--interval", "0"], ["--count", "0"], ["--retention", "raw:2x"], ["--max-size", "lots"]] {
            let run = try runTCPDoctor(["record", "--db", "/nonexistent/never-made.sqlite"] + arguments)
            #expect(run.status == 64, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(arguments[0]), "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent"))
    }
}

/// Samples at the finest level, read without migrating.
func samples(in database: String) throws -> Int {
    var configuration = Configuration()
    configuration.readonly = true
    return try DatabaseQueue(path: database, configuration: configuration).read { db in
        try Int.fetchOne(db, sql: "SELECT count(*) FROM sample WHERE resolution = 0") ?? 0
    }
}

/// Polls `condition` every 20 ms for up to 30 s.
func poll(_ what: String, _ condition: () -> Bool) throws {
    let end = Date().addingTimeInterval(30)
    while !condition() {
        guard Date() < end else { throw RunError("no \(what) within 30 s") }
        usleep(20_000)
    }
}

/// Writes `path` until its file system has about `free` bytes left.
private func fill(_ path: String, leaving free: Int, of mount: String) throws {
    var info = statvfs()
    guard statvfs(mount, &info) == 0 else { throw RunError("statvfs \(mount) failed") }
    let available = Int(info.f_bavail) * Int(info.f_frsize)
    try Data(count: max(available - free, 0)).write(to: URL(fileURLWithPath: path))
}

/// A temporary directory, removed with everything in it.
private final class Scratch {
    let directory: String
    var database: String { directory + "/history.sqlite" }

    init() throws {
        directory = NSTemporaryDirectory() + "tcpdoctor-record-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// A tmpfs of its own under the temporary directory, unmounted (lazily, so never left busy) and
/// removed when released.
private final class TmpfsMount {
    let path: String

    init(size: String) throws {
        path = NSTemporaryDirectory() + "tcpdoctor-tmpfs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let run = try runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tcpdoctor-test", path])
        guard run.status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw RunError("mount tmpfs on \(path): \(run.stderr)")
        }
    }

    func remountReadOnly() throws {
        let run = try runProgram("/bin/mount", ["-o", "remount,ro", path])
        guard run.status == 0 else { throw RunError("remount \(path) read-only: \(run.stderr)") }
    }

    deinit {
        _ = try? runProgram("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }
}
