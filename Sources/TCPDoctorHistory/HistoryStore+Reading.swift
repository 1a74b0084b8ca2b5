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

/// A level's change-only rows read as runs: the samples (by index in the range) over which an
/// entity held the same values, so that reading costs the rows stored, not samples × entities.
///
/// It follows `HistoryReplay`'s reading exactly (the tests compare the two): samples in id order
/// from the keyframe at or before the range; a row sets an entity's values; a keyframe without a
/// row for an entity ends it; a gone row is shown in its sample and ends the entity after it; a
/// row whose maxima differ from its values holds the values (maxima equal) from the next sample.
struct RunCollector {
    /// Values held over the samples `from...to` (indices into `times`).
    struct Run {
        var from: Int
        var to: Int
        var values: RowValues
    }

    struct Slot {
        var group: HistoryGroup
        /// The process's index in `processRuns`.
        var process: Int?
        var runs: [Run] = []
    }

    var slots: [Slot] = []
    var processRuns: [[Run]] = []
    /// The time and resolution of every sample in the range, by index.
    var times: [Double] = []
    var resolutions: [Int] = []

    /// Reads level `resolution`'s samples from `from` through `through` into runs.
    ///
    /// - Parameters:
    ///   - series: Slots of the series wanted, by series id.
    ///   - processes: Indices into `processRuns` of their processes, by process id.
    mutating func read(
        _ db: Database,
        resolution: Int,
        from: Double,
        through: Double,
        series: [Int64: Int],
        processes: [Int64: Int]
    ) throws {
        guard let (startID, endID) = try HistoryReplay.idRange(db, resolution: resolution, from: from, through: through)
        else {
            return
        }
        let samples = try Row.fetchAll(
            db,
            sql: "SELECT id, taken_at, keyframe FROM sample WHERE resolution = ? AND id BETWEEN ? AND ? ORDER BY id",
            arguments: [resolution, startID, endID]
        )
        let seriesRows = try ChangeTable.series.rows(db, resolution: resolution, fromID: startID, toID: endID)
        let processRows = try ChangeTable.processes.rows(db, resolution: resolution, fromID: startID, toID: endID)
        var seriesBook = RunBook(table: .series, count: slots.count)
        var processBook = RunBook(table: .processes, count: processRuns.count)
        for sample in samples {
            let id: Int64 = sample["id"]
            let time: Double = sample["taken_at"]
            let keyframe: Bool = sample["keyframe"]
            let next = times.count
            let rows = (seriesRows[id] ?? []).compactMap { entity, values in series[entity].map { ($0, values) } }
            let processValues = (processRows[id] ?? []).compactMap { entity, values in
                processes[entity].map { ($0, values) }
            }
            seriesBook.advance(rows, keyframe: keyframe, next: next) { slots[$0].runs.append($1) }
            processBook.advance(processValues, keyframe: keyframe, next: next) { processRuns[$0].append($1) }
            let shown = time >= from && time <= through
            if shown {
                times.append(time)
                resolutions.append(resolution)
            }
            seriesBook.settle(rows, next: times.count) { slots[$0].runs.append($1) }
            processBook.settle(processValues, next: times.count) { processRuns[$0].append($1) }
        }
        seriesBook.closeAll(next: times.count) { slots[$0].runs.append($1) }
        processBook.closeAll(next: times.count) { processRuns[$0].append($1) }
    }

    /// The series with points; those whose values never changed too when `keepUnchanged`, else
    /// only counted.
    ///
    /// - Parameter detail: The range's start and how to merge its points into buckets; nil for
    ///   every point as recorded.
    func finish(
        keepUnchanged: Bool,
        detail: (since: Double, detail: HistoryDetail)? = nil
    ) -> (series: [HistorySeries], unchanged: Int) {
        var result: [HistorySeries] = []
        var unchanged = 0
        for slot in slots where !slot.runs.isEmpty {
            let held = zip(slot.runs, slot.runs.dropFirst()).allSatisfy {
                $0.values == $1.values && $1.from == $0.to + 1
            }
            if held && !keepUnchanged {
                unchanged += 1
                continue
            }
            if let (since, detail) = detail {
                result.append(bucketedSeries(of: slot, since: since, detail: detail))
            } else {
                result.append(HistorySeries(group: slot.group, points: points(of: slot)))
            }
        }
        return (result, unchanged)
    }

    private func points(of slot: Slot) -> [HistoryPoint] {
        let fdRuns = slot.process.map { processRuns[$0] } ?? []
        var cursor = 0
        var points: [HistoryPoint] = []
        points.reserveCapacity(slot.runs.reduce(0) { $0 + $1.to - $1.from + 1 })
        for run in slot.runs {
            // One StateCounts per run, shared by its points.
            let counts = StateCounts(values: run.values.last.map { $0 ?? 0 })
            let peak =
                run.values.peak == run.values.last ? counts : StateCounts(values: run.values.peak.map { $0 ?? 0 })
            for index in run.from...run.to {
                while cursor < fdRuns.count && fdRuns[cursor].to < index { cursor += 1 }
                let process = cursor < fdRuns.count && fdRuns[cursor].from <= index ? fdRuns[cursor].values.last : nil
                points.append(
                    HistoryPoint(
                        time: times[index],
                        resolution: resolutions[index],
                        counts: counts,
                        peak: peak,
                        fds: process?[0],
                        fdSoftLimit: process?[1]
                    )
                )
            }
        }
        return points
    }
}

/// The open runs of one change table's entities while a level is read.
private struct RunBook {
    let table: ChangeTable
    /// Per entity slot: its values and the first sample index they hold from; nil when absent.
    var open: [(values: RowValues, from: Int)?]
    /// The slots that are open, so that a keyframe visits only them.
    var active: Set<Int> = []

    init(table: ChangeTable, count: Int) {
        self.table = table
        open = Array(repeating: nil, count: count)
    }

    /// Before a sample is shown: a keyframe ends the entities it has no row for; a row starts a run.
    mutating func advance(
        _ rows: [(Int, RowValues)],
        keyframe: Bool,
        next: Int,
        emit: (Int, RunCollector.Run) -> Void
    ) {
        if keyframe {
            let present = Set(rows.map(\.0))
            for slot in active where !present.contains(slot) { close(slot, next: next, emit: emit) }
        }
        for (slot, values) in rows {
            if let current = open[slot], current.values == values { continue }
            close(slot, next: next, emit: emit)
            open[slot] = (values, next)
            active.insert(slot)
        }
    }

    /// After a sample was shown: a gone entity ends, one with maxima above its values holds still.
    mutating func settle(_ rows: [(Int, RowValues)], next: Int, emit: (Int, RunCollector.Run) -> Void) {
        for (slot, values) in rows {
            guard open[slot] != nil else { continue }
            if table.isGone(values.last) {
                close(slot, next: next, emit: emit)
            } else if !values.peak.elementsEqual(values.last.prefix(table.peakColumns.count)) {
                close(slot, next: next, emit: emit)
                open[slot] = (table.steady(values.last), next)
                active.insert(slot)
            }
        }
    }

    /// Ends every run at the level's end.
    mutating func closeAll(next: Int, emit: (Int, RunCollector.Run) -> Void) {
        for slot in active { close(slot, next: next, emit: emit) }
    }

    /// Ends `slot`'s run before sample index `next`; a run over no shown sample is dropped.
    private mutating func close(_ slot: Int, next: Int, emit: (Int, RunCollector.Run) -> Void) {
        guard let current = open[slot] else { return }
        if next - 1 >= current.from {
            emit(slot, RunCollector.Run(from: current.from, to: next - 1, values: current.values))
        }
        open[slot] = nil
        active.remove(slot)
    }
}
