import Foundation
import GRDB
import TCPDoctorCore

/// The SQLite database of `tcpdoctor record`: samples in, series and findings out.
///
/// One `DatabasePool` (WAL) per store; the schema only through `HistorySchema`'s migrations;
/// every write in one transaction, so that a process killed in the middle of one loses that
/// sample and nothing else. Counts are stored change-only: a group has a row in a sample when
/// its counts changed, and in full at keyframes, so that 500 steady processes cost little
/// (docs/history.md). The clock is injected so that retention can be tested over 400 days.
public final class HistoryStore {
    /// The database file.
    public let path: String
    public let retention: HistoryRetention
    let pool: DatabasePool
    /// Seconds since the Unix epoch: what retention measures ages against.
    let now: @Sendable () -> Double
    /// What the last sample written at the finest level holds; empty until the first append,
    /// which is therefore a keyframe.
    var writer = LevelState()
    var seriesIDs: [SeriesIdentity: Int64] = [:]
    /// When `applyRetention` last removed the groups and processes no sample mentions.
    var lastSweep: Double?
    var processIDs: [ProcessIdentity: Int64] = [:]

    /// Opens the database at `path`, creating it (file mode 0600, a missing parent directory
    /// with mode 0700) and migrating it to this version's schema.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - retention: What `applyRetention()` keeps.
    ///   - now: The wall clock, seconds since the Unix epoch.
    /// - Throws: `HistoryError`: `.cannotCreate`, `.readOnly`, `.corrupt`, `.newerSchema`,
    ///   `.diskFull` or `.io`, with a message that names the file.
    public init(
        path: String,
        retention: HistoryRetention = .standard,
        now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws(HistoryError) {
        self.path = path
        self.retention = retention
        self.now = now
        try Self.prepareFile(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // Takes effect only while the database has no table: deleted pages are then given
            // back to the file system by `incremental_vacuum` after retention.
            // The pool's readers are read-only connections.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw HistoryError.from(error, path: path, doing: "open")
        }
        do {
            try pool.write { db in try Self.refuseNewerSchema(db, path: path) }
            try HistorySchema.migrator.migrate(pool)
        } catch {
            throw HistoryError.from(error, path: path, doing: "migrate")
        }
    }

    /// The identifiers of the migrations applied to the database, oldest first.
    public func appliedMigrations() throws(HistoryError) -> [String] {
        try read("read") { db in try HistorySchema.migrator.appliedMigrations(db) }
    }

    /// Runs SQLite's `PRAGMA quick_check` over every page.
    ///
    /// - Throws: `HistoryError.Code.corrupt` when a page is damaged.
    public func checkIntegrity() throws(HistoryError) {
        let result = try read("check") { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        guard result == ["ok"] else {
            throw HistoryError(
                .corrupt,
                path: path,
                message: "\(path) is damaged (PRAGMA quick_check failed); move it away and record anew.",
                cause: result.prefix(3).joined(separator: "; ")
            )
        }
    }

    /// Bytes of the database on disk: the file and its write-ahead log.
    public var fileBytes: Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
            return total + (size ?? 0)
        }
    }

    /// Bytes of the pages in use (the file minus its free pages).
    public func usedBytes() throws(HistoryError) -> Int64 {
        try read("measure") { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            return (pages - free) * size
        }
    }

    func read<T>(_ action: String, _ body: (Database) throws -> T) throws(HistoryError) -> T {
        do { return try pool.read(body) } catch { throw HistoryError.from(error, path: path, doing: action) }
    }

    func write<T>(_ action: String, _ body: (Database) throws -> T) throws(HistoryError) -> T {
        do { return try pool.write(body) } catch { throw HistoryError.from(error, path: path, doing: action) }
    }

    /// Creates the directory (0700) and the file (0600) when missing; refuses a file it cannot write.
    private static func prepareFile(_ path: String) throws(HistoryError) {
        let files = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !directory.isEmpty, !files.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try files.createDirectory(
                    atPath: directory,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            } catch {
                throw HistoryError(
                    .cannotCreate,
                    path: path,
                    message:
                        "Could not create the directory \(directory) for \(path); create it or choose another --db.",
                    cause: (error as NSError).localizedDescription
                )
            }
        } else if !directory.isEmpty, !isDirectory.boolValue {
            throw HistoryError(
                .cannotCreate,
                path: path,
                message: "\(directory) is not a directory; choose another --db."
            )
        }
        if files.fileExists(atPath: path) {
            guard files.isWritableFile(atPath: path) else {
                throw HistoryError(
                    .readOnly,
                    path: path,
                    message: "\(path) is read-only (the file or its file system); "
                        + "give tcpdoctor write access or choose another --db."
                )
            }
            return
        }
        guard files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            let writable = files.isWritableFile(atPath: directory.isEmpty ? "." : directory)
            throw HistoryError(
                writable ? .cannotCreate : .readOnly,
                path: path,
                message: "Could not create \(path): its directory "
                    + (writable ? "refused the file" : "is not writable") + "; choose another --db."
            )
        }
    }

    /// Throws `.newerSchema` when `grdb_migrations` names a migration this version does not know.
    private static func refuseNewerSchema(_ db: Database, path: String) throws {
        guard try db.tableExists("grdb_migrations") else { return }
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        let unknown = applied.filter { !HistorySchema.known.contains($0) }
        guard unknown.isEmpty else {
            throw HistoryError(
                .newerSchema,
                path: path,
                message:
                    "\(path) was written by a newer tcpdoctor (migrations \(unknown.sorted().joined(separator: ", ")) "
                    + "are unknown to this version); upgrade tcpdoctor or choose another --db."
            )
        }
    }
}
