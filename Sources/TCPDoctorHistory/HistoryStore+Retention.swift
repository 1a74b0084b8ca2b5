import GRDB
import TCPDoctorCore

/// What one `applyRetention()` did.
public struct RetentionReport: Hashable, Sendable {
    /// Buckets written into coarser levels.
    public var bucketsWritten = 0
    /// Samples deleted because they were older than their level keeps.
    public var samplesExpired = 0
    /// Samples deleted, oldest first, to bring the database under its size cap.
    public var samplesDeletedForSize = 0

    public init() {}
}

extension HistoryStore {
    /// Downsamples what each level no longer keeps into the next, deletes what the last no longer
    /// keeps, then deletes the oldest samples while the database is larger than its cap.
    ///
    /// Each bucket keeps, per group and process, the last values of its last sample and the
    /// maximum of each count; per namespace the last totals and counters; per finding the last
    /// and the largest size. Deletion stops at a keyframe, so what remains can always be read.
    ///
    /// - Throws: `HistoryError` when the database cannot be written.
    @discardableResult
    public func applyRetention() throws(HistoryError) -> RetentionReport {
        var report = RetentionReport()
        let time = now()
        let levels = retention.levels
        for index in levels.indices {
            let level = levels[index]
            let cutoff = time - level.keep
            var deleteBefore = cutoff
            if index + 1 < levels.count {
                let coarser = Double(levels[index + 1].resolution)
                deleteBefore = (cutoff / coarser).rounded(.down) * coarser
                report.bucketsWritten += try downsample(
                    level.resolution,
                    into: levels[index + 1],
                    through: deleteBefore
                )
            }
            report.samplesExpired += try write("expire samples of") { db in
                guard
                    let keyframe = try Int64.fetchOne(
                        db,
                        sql: "SELECT max(id) FROM sample WHERE resolution = ? AND keyframe = 1 AND taken_at <= ?",
                        arguments: [level.resolution, deleteBefore]
                    )
                else { return 0 }
                try db.execute(
                    sql: "DELETE FROM sample WHERE resolution = ? AND id < ?",
                    arguments: [level.resolution, keyframe]
                )
                return db.changesCount
            }
        }
        report.samplesDeletedForSize = try enforceSizeCap()
        if report.samplesExpired > 0 || report.samplesDeletedForSize > 0 {
            // Finding the orphans decodes every blob: every six hours of the clock is enough
            // (an orphan costs one row until then), and at once when the size cap deleted.
            let sweep = report.samplesDeletedForSize > 0 || lastSweep.map { time - $0 >= 6 * 3600 || time < $0 } ?? true
            try compact(sweepingOrphans: sweep)
            if sweep { lastSweep = time }
        }
        return report
    }

    /// Deletes the oldest stretch of samples (up to the next keyframe of their level) while the
    /// pages in use exceed `retention.maxBytes`; returns how many samples went.
    private func enforceSizeCap() throws(HistoryError) -> Int {
        guard let cap = retention.maxBytes else { return 0 }
        var deleted = 0
        while try usedBytes() > cap {
            let count = try write("shrink") { db -> Int in
                guard
                    let oldest = try Row.fetchOne(
                        db,
                        sql: "SELECT resolution FROM sample ORDER BY taken_at, id LIMIT 1"
                    )
                else { return 0 }
                let resolution: Int = oldest["resolution"]
                if let next = try Int64.fetchOne(
                    db,
                    sql: "SELECT id FROM sample WHERE resolution = ? AND keyframe = 1 ORDER BY id LIMIT 1 OFFSET 1",
                    arguments: [resolution]
                ) {
                    try db.execute(
                        sql: "DELETE FROM sample WHERE resolution = ? AND id < ?",
                        arguments: [resolution, next]
                    )
                } else {
                    try db.execute(sql: "DELETE FROM sample WHERE resolution = ?", arguments: [resolution])
                }
                return db.changesCount
            }
            guard count > 0 else { break }
            deleted += count
            // The finest level may have lost its last keyframe: the next sample starts anew.
            writer = LevelState()
        }
        return deleted
    }

    /// Removes groups and processes no sample mentions any more, gives free pages back to the
    /// file system and truncates the write-ahead log.
    private func compact(sweepingOrphans sweep: Bool) throws(HistoryError) {
        try write("compact") { db in
            guard sweep else { return try db.execute(sql: "PRAGMA incremental_vacuum") }
            let series = try ChangeTable.series.referencedEntities(db)
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM series") where !series.contains(id) {
                try db.execute(sql: "DELETE FROM series WHERE id = ?", arguments: [id])
            }
            let processes = try ChangeTable.processes.referencedEntities(db)
                .union(Int64.fetchAll(db, sql: "SELECT process_id FROM series WHERE process_id IS NOT NULL"))
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM process") where !processes.contains(id) {
                try db.execute(sql: "DELETE FROM process WHERE id = ?", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM finding_kind WHERE id NOT IN (SELECT kind_id FROM finding)")
            try db.execute(sql: "PRAGMA incremental_vacuum")
        }
        seriesIDs.removeAll()
        processIDs.removeAll()
        do {
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
        {
            // A reader (`history`, the doctor) holds the log: it is truncated at the next retention.
            _ = error
        } catch {
            throw HistoryError.from(error, path: path, doing: "checkpoint")
        }
    }

    /// Merges the samples of level `finer` older than `limit` that the coarser level does not
    /// hold yet into its buckets, six hours of them per transaction; returns the buckets written.
    private func downsample(
        _ finer: Int,
        into coarser: HistoryRetention.Level,
        through limit: Double
    ) throws(HistoryError) -> Int {
        let width = Double(coarser.resolution)
        let chunk = width * (21600 / width).rounded(.up)
        var written = 0
        while true {
            let count = try write("downsample") { db -> Int? in
                var state = try HistoryReplay.state(db, resolution: coarser.resolution)
                let after = state.lastAt.map { (($0 / width).rounded(.down) + 1) * width } ?? -Double.infinity
                guard
                    let first = try Double.fetchOne(
                        db,
                        sql: "SELECT min(taken_at) FROM sample WHERE resolution = ? AND taken_at >= ?",
                        arguments: [finer, after]
                    ), first < limit
                else { return nil }
                let start = (first / width).rounded(.down) * width
                let end = min(limit, start + chunk)
                var merger = BucketMerger(width: width, keyframePeriod: coarser.keyframePeriod)
                let hosts = try Self.grouped(
                    db,
                    table: "host_point",
                    resolution: finer,
                    from: first,
                    before: end,
                    HostRow.init
                )
                let findings = try Self.grouped(
                    db,
                    table: "finding_full",
                    resolution: finer,
                    from: first,
                    before: end,
                    FindingRow.init
                )
                try HistoryReplay.replay(db, resolution: finer, from: first, through: end.nextDown) {
                    sample,
                    series,
                    processes in
                    try merger.add(
                        sample,
                        series: series,
                        processes: processes,
                        hosts: hosts[sample.id] ?? [],
                        findings: findings[sample.id] ?? [],
                        db: db,
                        state: &state,
                        resolution: coarser.resolution
                    )
                }
                try merger.finish(db: db, state: &state, resolution: coarser.resolution)
                return merger.written
            }
            guard let count else { break }
            written += count
            if count == 0 { break }
        }
        return written
    }

    private static func grouped<T>(
        _ db: Database,
        table: String,
        resolution: Int,
        from: Double,
        before: Double,
        _ make: (Row) -> T
    ) throws -> [Int64: [T]] {
        var result: [Int64: [T]] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT t.* FROM \(table) t JOIN sample s ON s.id = t.sample_id
                WHERE s.resolution = ? AND s.taken_at >= ? AND s.taken_at < ?
                """,
            arguments: [resolution, from, before]
        )
        while let row = try rows.next() { result[row["sample_id"], default: []].append(make(row)) }
        return result
    }
}
