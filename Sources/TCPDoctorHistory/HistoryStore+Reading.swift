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
                .cannotCreate, path: path,
                message: "There is no history database at \(path); start one with `tcpdoctor record`"
                    + " (or give the database with --db).")
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
    public func changingSeries(
        since: Double,
        until: Double,
        matching: (HistoryGroup) -> Bool = { _ in true }
    ) throws(HistoryError) -> (series: [HistorySeries], unchanged: Int) {
        try collect(since: since, until: until, matching: matching, keepUnchanged: false)
    }

    private func collect(
        since: Double, until: Double, matching: (HistoryGroup) -> Bool, keepUnchanged: Bool
    ) throws(HistoryError) -> (series: [HistorySeries], unchanged: Int) {
        try read("read") { db in
            let processes = try Self.processes(db)
            // Dense slots for the matching series and their processes, so that the hot loop does
            // one hash lookup per series and sample (the replay's) and indexes arrays for the rest.
            var slots: [Int64: Int] = [:]
            var processSlots: [Int64: Int] = [:]
            var collector = SeriesCollector()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM series") {
                let processID: Int64? = row["process_id"]
                let group = HistoryGroup(
                    netns: UInt64(bitPattern: row["netns"]), process: processID.flatMap { processes[$0] },
                    placeKind: row["place_kind"], place: row["place"])
                guard matching(group) else { continue }
                let process = processID.map { id in
                    if let slot = processSlots[id] { return slot }
                    processSlots[id] = processSlots.count
                    collector.processChanges.append([])
                    return processSlots.count - 1
                }
                slots[row["id"]] = collector.slots.count
                collector.slots.append(SeriesCollector.Slot(group: group, processID: processID, process: process))
            }
            guard !collector.slots.isEmpty else { return ([], 0) }
            // Coarsest level first: each answers only before its finer level starts, so the
            // concatenation is in time order wherever the clock ran forwards.
            for (resolution, before) in try Self.levels(db) {
                let through = min(until, before.nextDown)
                guard through >= since else { continue }
                try HistoryReplay.replay(db, resolution: resolution, from: since, through: through) {
                    sample, series, processValues in
                    let index = collector.times.count
                    collector.times.append(sample.takenAt)
                    collector.resolutions.append(resolution)
                    for (id, values) in series {
                        guard let slot = slots[id] else { continue }
                        let process = collector.slots[slot].processID.flatMap { processValues[$0] }
                        collector.add(slot: slot, last: values.last, peak: values.peak, process: process?.last, at: index)
                    }
                }
            }
            let (series, unchanged) = collector.finish(keepUnchanged: keepUnchanged)
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
                .corrupt, path: path,
                message: "\(path) is not a tcpdoctor history database (it has no migrations table); "
                    + "give the database `tcpdoctor record` writes with --db.")
        }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        let unknown = applied.subtracting(HistorySchema.known)
        guard unknown.isEmpty else {
            throw HistoryError(
                .newerSchema, path: path,
                message: "\(path) was written by a newer tcpdoctor (migrations \(unknown.sorted().joined(separator: ", ")) "
                    + "are unknown to this version); upgrade tcpdoctor or choose another --db.")
        }
        let missing = HistorySchema.known.subtracting(applied)
        guard missing.isEmpty else {
            throw HistoryError(
                .io, path: path,
                message: "\(path) was written by an older tcpdoctor (it lacks the migrations "
                    + "\(missing.sorted().joined(separator: ", "))); `history` never changes a database: "
                    + "run `tcpdoctor record --db \(path) --count 1` once to migrate it.")
        }
    }

    /// The levels coarsest first, each with the time its finer levels start.
    private static func levels(_ db: Database) throws -> [(resolution: Int, before: Double)] {
        var result: [(Int, Double)] = []
        var finerStart = Double.infinity
        let levels = try Row.fetchAll(
            db, sql: "SELECT resolution, min(taken_at) AS start FROM sample GROUP BY resolution ORDER BY resolution")
        for level in levels {
            result.append((level["resolution"], finerStart))
            finerStart = min(finerStart, level["start"])
        }
        return result.reversed()
    }

    private static func processes(_ db: Database) throws -> [Int64: HistoryProcess] {
        var result: [Int64: HistoryProcess] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM process") {
            let start: Int64? = row["start_time"]
            result[row["id"]] = HistoryProcess(
                pid: row["pid"], startTime: start.map { UInt64(bitPattern: $0) }, command: row["command"],
                argvHash: UInt64(bitPattern: row["argv_hash"]), firstSeen: row["first_seen"])
        }
        return result
    }
}

/// Replayed samples gathered into series; the points of a series are built only once its values
/// change (or at the end, when unchanged series are wanted too).
struct SeriesCollector {
    struct Slot {
        var group: HistoryGroup
        var processID: Int64?
        /// The process's index in `processChanges`.
        var process: Int?
        var points: [HistoryPoint] = []
        /// Whether the values changed: `points` holds every point so far.
        var changed = false
        /// Until then, the run of samples (by index) it was present in with the same values.
        var first: Int?
        var last = -1
        var lastRaw: [Int64?] = []
        var peakRaw: [Int64?] = []
        /// The values as counts, shared by every point that has them.
        var counts = StateCounts()
        var peak = StateCounts()

        init(group: HistoryGroup, processID: Int64?, process: Int?) {
            (self.group, self.processID, self.process) = (group, processID, process)
        }
    }

    var slots: [Slot] = []
    /// The time and resolution of every sample replayed, by index.
    var times: [Double] = []
    var resolutions: [Int] = []
    /// Per process: from which sample index on it had which fds and soft limit, on change only.
    var processChanges: [[(index: Int, fds: Int64?, limit: Int64?)]] = []

    /// One series' values in sample `index`; `process` is its process's `[fds, soft limit, ...]`.
    mutating func add(slot index: Int, last: [Int64?], peak: [Int64?], process: [Int64?]?, at sample: Int) {
        let fds = process?[0]
        let limit = process?[1]
        if let p = slots[index].process,
            processChanges[p].last.map({ $0.fds != fds || $0.limit != limit }) ?? true
        {
            processChanges[p].append((sample, fds, limit))
        }
        // The books are passed by value (sharing their storage): `self` cannot be read while
        // one of its slots is being modified.
        let books = Books(times: times, resolutions: resolutions, processChanges: processChanges)
        Self.update(&slots[index], last: last, peak: peak, fds: fds, limit: limit, at: sample, books: books)
    }

    /// What the points of a slot are built from.
    private struct Books {
        var times: [Double]
        var resolutions: [Int]
        var processChanges: [[(index: Int, fds: Int64?, limit: Int64?)]]
    }

    private static func update(
        _ slot: inout Slot, last: [Int64?], peak: [Int64?], fds: Int64?, limit: Int64?, at sample: Int, books: Books
    ) {
        if !slot.changed {
            guard let _ = slot.first else {
                slot.first = sample
                slot.last = sample
                Self.take(&slot, last: last, peak: peak)
                return
            }
            if last == slot.lastRaw && peak == slot.peakRaw && sample == slot.last + 1 {
                slot.last = sample
                return
            }
            materialize(&slot, books: books)
            slot.changed = true
        }
        Self.take(&slot, last: last, peak: peak)
        slot.points.append(
            HistoryPoint(
                time: books.times[sample], resolution: books.resolutions[sample], counts: slot.counts, peak: slot.peak,
                fds: fds, fdSoftLimit: limit))
        slot.last = sample
    }

    /// Makes the values the slot's current counts, allocating only for values that changed.
    private static func take(_ slot: inout Slot, last: [Int64?], peak: [Int64?]) {
        if last != slot.lastRaw || slot.lastRaw.isEmpty {
            slot.lastRaw = last
            slot.counts = StateCounts(values: last.map { $0 ?? 0 })
        }
        if peak != slot.peakRaw || slot.peakRaw.isEmpty {
            slot.peakRaw = peak
            slot.peak = peak == last ? slot.counts : StateCounts(values: peak.map { $0 ?? 0 })
        }
    }

    /// Builds the points of the slot's unchanged run.
    private static func materialize(_ slot: inout Slot, books: Books) {
        guard let first = slot.first, first <= slot.last else { return }
        let changes = slot.process.map { books.processChanges[$0] } ?? []
        var cursor = 0
        slot.points.reserveCapacity(slot.last - first + 1)
        for sample in first...slot.last {
            while cursor + 1 < changes.count && changes[cursor + 1].index <= sample { cursor += 1 }
            let known = cursor < changes.count && changes[cursor].index <= sample
            slot.points.append(
                HistoryPoint(
                    time: books.times[sample], resolution: books.resolutions[sample], counts: slot.counts,
                    peak: slot.peak, fds: known ? changes[cursor].fds : nil, fdSoftLimit: known ? changes[cursor].limit : nil))
        }
    }

    /// The series with points; unchanged ones too when `keepUnchanged`, else only counted.
    mutating func finish(keepUnchanged: Bool) -> (series: [HistorySeries], unchanged: Int) {
        var series: [HistorySeries] = []
        var unchanged = 0
        let books = Books(times: times, resolutions: resolutions, processChanges: processChanges)
        for index in slots.indices where slots[index].first != nil {
            if !slots[index].changed {
                guard keepUnchanged else {
                    unchanged += 1
                    continue
                }
                Self.materialize(&slots[index], books: books)
            }
            series.append(HistorySeries(group: slots[index].group, points: slots[index].points))
        }
        return (series, unchanged)
    }
}
