import GRDB

/// One row of `sample`.
struct SampleRow: Hashable {
    var id: Int64
    var takenAt: Double
    var firstAt: Double
    var resolution: Int
    var keyframe: Bool
    var merged: Int64
    var skipped: Int64
    var sockets: Int64
    var unattributed: Int64
    var fileHandles: Int64?
    var cpuSeconds: Double
    var wallSeconds: Double

    init(_ row: Row) {
        id = row["id"]
        takenAt = row["taken_at"]
        firstAt = row["first_at"]
        resolution = row["resolution"]
        keyframe = row["keyframe"]
        merged = row["merged"]
        skipped = row["skipped"]
        sockets = row["sockets"]
        unattributed = row["unattributed"]
        fileHandles = row["file_handles"]
        cpuSeconds = row["cpu_seconds"]
        wallSeconds = row["wall_seconds"]
    }

    init(
        takenAt: Double,
        firstAt: Double,
        resolution: Int,
        keyframe: Bool,
        merged: Int64,
        skipped: Int64,
        sockets: Int64,
        unattributed: Int64,
        fileHandles: Int64?,
        cpuSeconds: Double,
        wallSeconds: Double
    ) {
        id = 0
        (self.takenAt, self.firstAt, self.resolution, self.keyframe) = (takenAt, firstAt, resolution, keyframe)
        (self.merged, self.skipped, self.sockets, self.unattributed) = (merged, skipped, sockets, unattributed)
        (self.fileHandles, self.cpuSeconds, self.wallSeconds) = (fileHandles, cpuSeconds, wallSeconds)
    }

    /// Inserts the row and returns its id.
    func insert(_ db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO sample (taken_at, first_at, resolution, keyframe, merged, skipped, sockets,
                    unattributed, file_handles, cpu_seconds, wall_seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                takenAt, firstAt, resolution, keyframe, merged, skipped, sockets, unattributed, fileHandles,
                cpuSeconds, wallSeconds,
            ]
        )
        return db.lastInsertedRowID
    }
}

/// The state after a level's latest sample: steady values per entity.
struct LevelState {
    var series: [Int64: [Int64?]] = [:]
    var processes: [Int64: [Int64?]] = [:]
    /// The time of the level's latest keyframe; nil when the state is unknown (next: a keyframe).
    var lastKeyframeAt: Double?
    /// The time of the level's latest sample.
    var lastAt: Double?
}

/// A level's samples replayed in order: each with every entity present (and those gone in it).
struct HistoryReplay {
    /// Replays the samples of level `resolution` from the keyframe at or before `from` through
    /// `through`, calling `body` for those at or after `from` with the values of every entity.
    ///
    /// Samples are read in id order (the order they were written), so a wall clock that went
    /// back cannot reorder the changes; the writer starts a keyframe when it does.
    static func replay(
        _ db: Database,
        resolution: Int,
        from: Double,
        through: Double,
        _ body: (SampleRow, [Int64: RowValues], [Int64: RowValues]) throws -> Void
    ) throws {
        guard let (startID, endID) = try idRange(db, resolution: resolution, from: from, through: through) else {
            return
        }
        let samples = try Row.fetchAll(
            db,
            sql: "SELECT * FROM sample WHERE resolution = ? AND id BETWEEN ? AND ? ORDER BY id",
            arguments: [resolution, startID, endID]
        ).map(SampleRow.init)
        let seriesRows = try ChangeTable.series.rows(db, resolution: resolution, fromID: startID, toID: endID)
        let processRows = try ChangeTable.processes.rows(db, resolution: resolution, fromID: startID, toID: endID)
        var series: [Int64: RowValues] = [:]
        var processes: [Int64: RowValues] = [:]
        for sample in samples {
            try advance(&series, ChangeTable.series, seriesRows[sample.id] ?? [], sample: sample)
            try advance(&processes, ChangeTable.processes, processRows[sample.id] ?? [], sample: sample)
            if sample.takenAt >= from && sample.takenAt <= through { try body(sample, series, processes) }
            settle(&series, ChangeTable.series)
            settle(&processes, ChangeTable.processes)
        }
    }

    /// The ids of level `resolution`'s samples to read for `from` through `through`: from the
    /// keyframe at or before `from` (or the first sample after it), so that the change rows can
    /// be replayed; nil when the level holds none.
    static func idRange(
        _ db: Database,
        resolution: Int,
        from: Double,
        through: Double
    ) throws -> (start: Int64, end: Int64)? {
        let startID =
            try Int64.fetchOne(
                db,
                sql: "SELECT max(id) FROM sample WHERE resolution = ? AND keyframe = 1 AND taken_at <= ?",
                arguments: [resolution, from]
            )
            ?? Int64.fetchOne(
                db,
                sql: "SELECT min(id) FROM sample WHERE resolution = ? AND taken_at >= ?",
                arguments: [resolution, from]
            )
        guard let startID,
            let endID = try Int64.fetchOne(
                db,
                sql: "SELECT max(id) FROM sample WHERE resolution = ? AND id >= ? AND taken_at <= ?",
                arguments: [resolution, startID, through]
            )
        else { return nil }
        return (startID, endID)
    }

    /// The state after the level's latest sample, for writing the next one change-only.
    static func state(_ db: Database, resolution: Int) throws -> LevelState {
        guard
            let last = try Double.fetchOne(
                db,
                sql: "SELECT taken_at FROM sample WHERE resolution = ? ORDER BY id DESC LIMIT 1",
                arguments: [resolution]
            )
        else { return LevelState() }
        var state = LevelState()
        state.lastAt = last
        state.lastKeyframeAt = try Double.fetchOne(
            db,
            sql: "SELECT taken_at FROM sample WHERE resolution = ? AND keyframe = 1 ORDER BY id DESC LIMIT 1",
            arguments: [resolution]
        )
        var final: ([Int64: RowValues], [Int64: RowValues]) = ([:], [:])
        try replay(db, resolution: resolution, from: last, through: last) { _, series, processes in
            final = (series, processes)
        }
        for (key, values) in final.0 where !ChangeTable.series.isGone(values.last) { state.series[key] = values.last }
        for (key, values) in final.1 where !ChangeTable.processes.isGone(values.last) {
            state.processes[key] = values.last
        }
        return state
    }

    /// Applies a sample's rows; a row that inherits its sticky columns takes them from its
    /// entity's values before.
    ///
    /// - Throws: `HistoryError.Code.corrupt` for a row that inherits from an entity with none.
    private static func advance(
        _ state: inout [Int64: RowValues],
        _ table: ChangeTable,
        _ rows: [(entity: Int64, values: RowValues, inherits: Bool)],
        sample: SampleRow
    ) throws {
        if sample.keyframe { state.removeAll(keepingCapacity: true) }
        for (key, values, inherits) in rows {
            guard inherits else {
                state[key] = values
                continue
            }
            guard let before = state[key] else { throw table.orphan(sample: sample.id) }
            state[key] = table.inheriting(values, from: before.last)
        }
    }

    /// After a sample: gone entities leave, the others hold still until their next row.
    private static func settle(_ state: inout [Int64: RowValues], _ table: ChangeTable) {
        for (key, values) in state {
            if table.isGone(values.last) {
                state[key] = nil
            } else if values.peak != Array(values.last.prefix(table.peakColumns.count)) {
                state[key] = table.steady(values.last)
            }
        }
    }
}
