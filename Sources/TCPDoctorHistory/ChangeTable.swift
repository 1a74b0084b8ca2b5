import Foundation
import GRDB
import TCPDoctorCore

/// One row of a change-only table: the last values and, for the leading columns, their maxima.
struct RowValues: Hashable {
    var last: [Int64?]
    var peak: [Int64?]
}

/// A table that stores an entity's values only when they change, and in full at keyframes
/// (`point` for groups of sockets, `process_point` for processes).
///
/// A sample without a row for an entity means "steady": the values of its previous row, with
/// maxima equal to them. An entity that has gone gets one `gone` row. A keyframe holds a row
/// for every entity present, so reading can start there.
struct ChangeTable: Sendable {
    let name: String
    let key: String
    let columns: [String]
    /// Columns that keep the maximum over a downsampled bucket, one per leading entry of `columns`;
    /// NULL when it equals the last value.
    let peakColumns: [String]
    /// What a gone entity's row holds.
    let gone: [Int64?]
    /// Columns (bit i: column i) that rarely change: a row leaves them out when they hold what
    /// its entity held before (a process's fd limits, beside its fds that change every sample).
    /// None of them keeps a maximum (they lie past `peakColumns`).
    let sticky: UInt64
    /// Whether values may be NULL (a process's fds when it has gone, an unlimited fd limit).
    var nullable: Bool { gone.contains(nil) }

    static let series = ChangeTable(
        name: "point",
        key: "series_id",
        columns: StateCounts.columns,
        peakColumns: StateCounts.columns.map { $0 + "_max" },
        gone: Array(repeating: 0, count: StateCounts.columns.count),
        sticky: 0
    )
    static let processes = ChangeTable(
        name: "process_point",
        key: "process_id",
        columns: ["fds", "fd_soft", "fd_hard"],
        peakColumns: ["fds_max"],
        gone: [nil, nil, nil],
        sticky: 0b110
    )

    /// True when a row says its entity has gone: no socket left, or the process not seen.
    func isGone(_ last: [Int64?]) -> Bool {
        name == "point" ? last.allSatisfy { ($0 ?? 0) == 0 } : last.first.flatMap { $0 } == nil
    }

    /// The same for a row `ChangeCodec.scan` found: for groups no nonzero value, for processes
    /// a NULL fd count.
    func isGone(_ row: ChangeCodec.Located) -> Bool {
        name == "point" ? row.nonzero == 0 : row.null & 1 != 0
    }

    /// A row that left out its sticky columns, with them taken from `before`. (No sticky column
    /// keeps a maximum.)
    func inheriting(_ values: RowValues, from before: [Int64?]) -> RowValues {
        var values = values
        for index in columns.indices where sticky & (1 << UInt64(index)) != 0 { values.last[index] = before[index] }
        return values
    }

    /// The error for a row that inherits sticky columns from an entity that had no values.
    func orphan(sample: Int64) -> HistoryError {
        HistoryError(
            .corrupt,
            path: "",
            message: "the \(name) blob of sample \(sample) refers to values no earlier sample holds; "
                + "move the database away and record anew"
        )
    }

    /// Values that held still: the maxima are the last values.
    func steady(_ last: [Int64?]) -> RowValues { RowValues(last: last, peak: Array(last.prefix(peakColumns.count))) }

    /// Writes the rows of one sample and returns the state after it (steady values per entity).
    ///
    /// The rows of a sample are stored together, packed by `ChangeCodec` into one blob (a few
    /// bytes per entity instead of a row of 30 columns), which keeps 30 days of a busy host
    /// within tens of megabytes.
    ///
    /// - Parameters:
    ///   - entries: Every entity of the sample; at the finest level those present, in a
    ///     downsampled bucket also those that went during it.
    ///   - previous: The state after the level's previous sample.
    ///   - keyframe: Write every entry whether it changed or not.
    func write(
        _ db: Database,
        sample: Int64,
        entries: [Int64: RowValues],
        previous: [Int64: [Int64?]],
        keyframe: Bool
    ) throws -> [Int64: [Int64?]] {
        var rows: [(Int64, RowValues)] = []
        var state: [Int64: [Int64?]] = [:]
        state.reserveCapacity(entries.count)
        for (entity, values) in entries {
            let isSteady = values.peak == Array(values.last.prefix(peakColumns.count))
            if keyframe || !isSteady || previous[entity] != values.last { rows.append((entity, values)) }
            if !isGone(values.last) { state[entity] = values.last }
        }
        if !keyframe {
            for entity in previous.keys where entries[entity] == nil { rows.append((entity, steady(gone))) }
        }
        guard !rows.isEmpty else { return state }
        rows.sort { $0.0 < $1.0 }
        try db.cachedStatement(sql: "INSERT INTO \(name) (sample_id, data) VALUES (?, ?)")
            .execute(arguments: [sample, ChangeCodec(self).encode(rows, previous: keyframe ? [:] : previous)])
        return state
    }

    /// The rows of a level's samples between two ids, grouped by sample.
    ///
    /// - Throws: `HistoryError.Code.corrupt` when a blob does not decode.
    ///
    /// A row that `inherits` has 0 in its sticky columns; `HistoryReplay` fills them in.
    func rows(
        _ db: Database,
        resolution: Int,
        fromID: Int64,
        toID: Int64
    ) throws -> [Int64: [(entity: Int64, values: RowValues, inherits: Bool)]] {
        let sql = """
            SELECT p.sample_id, p.data FROM \(name) p JOIN sample s ON s.id = p.sample_id
            WHERE s.resolution = ? AND p.sample_id BETWEEN ? AND ?
            """
        var result: [Int64: [(entity: Int64, values: RowValues, inherits: Bool)]] = [:]
        let codec = ChangeCodec(self)
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: [resolution, fromID, toID])
        while let row = try cursor.next() {
            let sample: Int64 = row[0]
            let data: Data = row[1]
            result[sample] = try codec.decode(data, sample: sample)
        }
        return result
    }

    /// Every entity some sample of any level still mentions.
    func referencedEntities(_ db: Database) throws -> Set<Int64> {
        var entities: Set<Int64> = []
        let codec = ChangeCodec(self)
        let cursor = try Row.fetchCursor(db, sql: "SELECT sample_id, data FROM \(name)")
        while let row = try cursor.next() {
            for decoded in try codec.decode(row[1], sample: row[0]) { entities.insert(decoded.entity) }
        }
        return entities
    }
}

/// The larger of two optional counts; nil only when both are.
func largest(_ a: Int64?, _ b: Int64?) -> Int64? {
    switch (a, b) {
    case (let a?, let b?): max(a, b)
    case (let a?, nil): a
    case (nil, let b): b
    }
}
