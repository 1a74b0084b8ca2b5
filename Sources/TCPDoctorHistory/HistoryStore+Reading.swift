import Foundation
import GRDB
import TCPDoctorCore

/// A history database opened read-only, for `tcpdoctor history`: it never creates, migrates or
/// writes the file, so that asking about the past cannot change it, and a database on a
/// read-only file system or owned by another user (readable, not writable) can still be read.
///
/// `HistoryStore` opens for writing (it creates and migrates); this is its reading side. Its
/// series keep the order the samples were written in, so that a wall clock that went back
/// shows as a clock jump (`TimeSeries` splits there) rather than being folded into the past.
public final class HistoryReader {
    /// The database file.
    public let path: String
    let queue: DatabaseQueue

    /// Opens the database at `path` read-only and checks that this tcpdoctor can read it.
    ///
    /// - Throws: `HistoryError`: `.cannotCreate` when there is no file (the message says to
    ///   start one with `tcpdoctor record`), `.corrupt` when it is not a history database,
    ///   `.newerSchema` when a newer tcpdoctor wrote it, `.io` when it needs a migration first.
    public init(path: String) throws(HistoryError) {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw HistoryError(
                .cannotCreate,
                path: path,
                message: "There is no history database at \(path); start one with `tcpdoctor record`"
                    + " (or give the database with --db)."
            )
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw HistoryError.from(error, path: path, doing: "open")
        }
        try read("read") { db in try Self.checkSchema(db, path: path) }
    }

    /// Every group's points between `since` and `until` (seconds since the Unix epoch), each from
    /// the finest level that holds its time, in the order they were written.
    ///
    /// - Parameter matching: Which groups to return; the others are not replayed into points.
    public func series(
        since: Double,
        until: Double,
        matching: (HistoryGroup) -> Bool = { _ in true }
    ) throws(HistoryError) -> [HistorySeries] {
        try collect(since: since, until: until, matching: matching, keepUnchanged: true).series
    }

    /// The groups whose values changed between `since` and `until`, with their points as
    /// `series(since:until:matching:)` gives them, and how many matching groups held still.
    ///
    /// A group that holds still (most of them, most of the time: 499 of 500 processes) never
    /// has its points built, which is most of what a long range would cost.
    ///
    /// - Parameter detail: How to thin a long range: each group's points older than its fit
    ///   window merged into buckets (with the segment starts of the points as recorded); nil for
    ///   every point as recorded.
    public func changingSeries(
        since: Double,
        until: Double,
        detail: HistoryDetail? = nil,
        matching: (HistoryGroup) -> Bool = { _ in true }
    ) throws(HistoryError) -> (series: [HistorySeries], unchanged: Int) {
        try collect(since: since, until: until, matching: matching, keepUnchanged: false, detail: detail)
    }

    private func collect(
        since: Double,
        until: Double,
        matching: (HistoryGroup) -> Bool,
        keepUnchanged: Bool,
        detail: HistoryDetail? = nil
    ) throws(HistoryError) -> (series: [HistorySeries], unchanged: Int) {
        try read("read") { db in
            let processes = try Self.processes(db)
            // Dense slots for the matching series and their processes.
            var slots: [Int64: Int] = [:]
            var processSlots: [Int64: Int] = [:]
            var collector = RunCollector()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM series") {
                let processID: Int64? = row["process_id"]
                let group = HistoryGroup(
                    netns: UInt64(bitPattern: row["netns"]),
                    process: processID.flatMap { processes[$0] },
                    placeKind: row["place_kind"],
                    place: row["place"]
                )
                guard matching(group) else { continue }
                let process = processID.map { id in
                    if let slot = processSlots[id] { return slot }
                    processSlots[id] = processSlots.count
                    collector.processRuns.append([])
                    return processSlots.count - 1
                }
                slots[row["id"]] = collector.slots.count
                collector.slots.append(RunCollector.Slot(group: group, process: process))
            }
            guard !collector.slots.isEmpty else { return ([], 0) }
            // Coarsest level first: each answers only before its finer level starts, so the
            // concatenation is in time order wherever the clock ran forwards.
            for (resolution, before) in try Self.levels(db) {
                let through = min(until, before.nextDown)
                guard through >= since else { continue }
                try collector.read(
                    db,
                    resolution: resolution,
                    from: since,
                    through: through,
                    series: slots,
                    processes: processSlots
                )
            }
            let (series, unchanged) = collector.finish(
                keepUnchanged: keepUnchanged,
                detail: detail.map { (since, $0) }
            )
            return (series.sorted { Self.order($0.group, $1.group) }, unchanged)
        }
    }

    /// The times of the first and last sample the database holds; nil when it holds none.
    public func sampleRange() throws(HistoryError) -> (first: Double, last: Double)? {
        try read("read") { db in
            let row = try Row.fetchOne(db, sql: "SELECT min(taken_at) AS first, max(taken_at) AS last FROM sample")
            guard let row, let first: Double = row["first"], let last: Double = row["last"] else { return nil }
            return (first, last)
        }
    }

    func read<T>(_ action: String, _ body: (Database) throws -> T) throws(HistoryError) -> T {
        do { return try queue.read(body) } catch { throw HistoryError.from(error, path: path, doing: action) }
    }

    /// Groups by namespace, pid, start time and place, so that output is the same on every run.
    private static func order(_ left: HistoryGroup, _ right: HistoryGroup) -> Bool {
        let l = (left.netns, left.process?.pid ?? -1, left.process?.startTime ?? 0)
        let r = (right.netns, right.process?.pid ?? -1, right.process?.startTime ?? 0)
        if l != r { return l < r }
        return (left.placeKind, left.place) < (right.placeKind, right.place)
    }

    /// Refuses a file that is not a history database, or not one of this version's schema.
    private static func checkSchema(_ db: Database, path: String) throws {
        guard try db.tableExists("grdb_migrations") else {
            throw HistoryError(
                .corrupt,
                path: path,
                message: "\(path) is not a tcpdoctor history database (it has no migrations table); "
                    + "give the database `tcpdoctor record` writes with --db."
            )
        }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        let unknown = applied.subtracting(HistorySchema.known)
        guard unknown.isEmpty else {
            throw HistoryError(
                .newerSchema,
                path: path,
                message:
                    "\(path) was written by a newer tcpdoctor (migrations \(unknown.sorted().joined(separator: ", ")) "
                    + "are unknown to this version); upgrade tcpdoctor or choose another --db."
            )
        }
        let missing = HistorySchema.known.subtracting(applied)
        guard missing.isEmpty else {
            throw HistoryError(
                .io,
                path: path,
                message: "\(path) was written by an older tcpdoctor (it lacks the migrations "
                    + "\(missing.sorted().joined(separator: ", "))); `history` never changes a database: "
                    + "run `tcpdoctor record --db \(path) --count 1` once to migrate it."
            )
        }
    }

    /// The levels coarsest first, each with the time its finer levels start: a level answers
    /// only for times before that. (The levels the database holds, whatever the retention of the
    /// recorder that wrote them.)
    static func levels(_ db: Database) throws -> [(resolution: Int, before: Double)] {
        var result: [(Int, Double)] = []
        var finerStart = Double.infinity
        let levels = try Row.fetchAll(
            db,
            sql: "SELECT resolution, min(taken_at) AS start FROM sample GROUP BY resolution ORDER BY resolution"
        )
        for level in levels {
            result.append((level["resolution"], finerStart))
            finerStart = min(finerStart, level["start"])
        }
        return result.reversed()
    }

    static func processes(_ db: Database) throws -> [Int64: HistoryProcess] {
        var result: [Int64: HistoryProcess] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM process") {
            let start: Int64? = row["start_time"]
            result[row["id"]] = HistoryProcess(
                pid: row["pid"],
                startTime: start.map { UInt64(bitPattern: $0) },
                command: row["command"],
                argvHash: UInt64(bitPattern: row["argv_hash"]),
                firstSeen: row["first_seen"]
            )
        }
        return result
    }
}
