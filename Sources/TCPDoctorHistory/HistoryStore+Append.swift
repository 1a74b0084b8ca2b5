import GRDB
import TCPDoctorCore

struct SeriesIdentity: Hashable {
    var netns: UInt64
    var process: Int64?
    var kind: String
    var place: String
}

struct ProcessIdentity: Hashable {
    var pid: Int32
    var startTime: UInt64?
    var argvHash: UInt64
}

extension HistoryStore {
    /// Stores one sample taken at `time` (seconds since the Unix epoch) in one transaction.
    ///
    /// - Throws: `HistoryError` (`.diskFull`, `.readOnly`, `.corrupt`, `.io`); the sample is then
    ///   not stored, and the database is as before.
    public func append(_ aggregate: SampleAggregate, at time: Double) throws(HistoryError) {
        let level = retention.levels.first?.keyframePeriod ?? 3600
        // A wall clock that went back (NTP) starts a keyframe, so that replay never mixes the
        // changes of two orders.
        let keyframe =
            writer.lastKeyframeAt.map { time - $0 >= level || time < (writer.lastAt ?? time) } ?? true
        var seriesIDs = self.seriesIDs
        var processIDs = self.processIDs
        let previous = writer
        let next = try write("write a sample into") { db -> LevelState in
            let sample = try SampleRow(
                takenAt: time,
                firstAt: time,
                resolution: 0,
                keyframe: keyframe,
                merged: 1,
                skipped: aggregate.skippedTicks,
                sockets: aggregate.sockets,
                unattributed: aggregate.socketsUnattributed,
                fileHandles: aggregate.fileHandlesAllocated,
                cpuSeconds: aggregate.cpuSeconds,
                wallSeconds: aggregate.wallSeconds
            ).insert(db)
            var processEntries: [Int64: RowValues] = [:]
            var rowOfProcess: [SampleAggregate.ProcessKey: Int64] = [:]
            for process in aggregate.processes.values {
                let id = try Self.processID(db, process, at: time, cache: &processIDs)
                rowOfProcess[process.key] = id
                processEntries[id] = ChangeTable.processes.steady([
                    process.openFiles, process.fileLimitSoft, process.fileLimitHard,
                ])
            }
            var seriesEntries: [Int64: RowValues] = [:]
            for (key, counts) in aggregate.groups {
                let identity = SeriesIdentity(
                    netns: key.netns,
                    process: key.process.flatMap { rowOfProcess[$0] },
                    kind: key.place.kind,
                    place: key.place.text
                )
                let id = try Self.seriesID(db, identity, cache: &seriesIDs)
                seriesEntries[id] = ChangeTable.series.steady(counts.values.map { $0 })
            }
            var state = LevelState(lastKeyframeAt: keyframe ? time : previous.lastKeyframeAt, lastAt: time)
            state.series = try ChangeTable.series.write(
                db,
                sample: sample,
                entries: seriesEntries,
                previous: previous.series,
                keyframe: keyframe
            )
            state.processes = try ChangeTable.processes.write(
                db,
                sample: sample,
                entries: processEntries,
                previous: previous.processes,
                keyframe: keyframe
            )
            for namespace in aggregate.namespaces.values {
                try HostRow(namespace).insert(db, sample: sample)
            }
            for finding in aggregate.findings {
                try FindingRow(finding).insert(db, sample: sample)
            }
            return state
        }
        writer = next
        self.seriesIDs = seriesIDs
        self.processIDs = processIDs
    }

    static func processID(
        _ db: Database,
        _ process: SampleAggregate.Process,
        at time: Double,
        cache: inout [ProcessIdentity: Int64]
    ) throws -> Int64 {
        let identity = ProcessIdentity(
            pid: process.key.pid,
            startTime: process.key.startTime,
            argvHash: process.argvHash
        )
        if let id = cache[identity] { return id }
        let start = process.key.startTime.map { Int64(bitPattern: $0) }
        let hash = Int64(bitPattern: process.argvHash)
        if let id = try Int64.fetchOne(
            db,
            sql: "SELECT id FROM process WHERE pid = ? AND ifnull(start_time, -1) = ifnull(?, -1) AND argv_hash = ?",
            arguments: [process.key.pid, start, hash]
        ) {
            cache[identity] = id
            return id
        }
        try db.execute(
            sql: "INSERT INTO process (pid, start_time, argv_hash, command, first_seen) VALUES (?, ?, ?, ?, ?)",
            arguments: [process.key.pid, start, hash, process.command, time]
        )
        cache[identity] = db.lastInsertedRowID
        return db.lastInsertedRowID
    }

    static func seriesID(
        _ db: Database,
        _ identity: SeriesIdentity,
        cache: inout [SeriesIdentity: Int64]
    ) throws -> Int64 {
        if let id = cache[identity] { return id }
        let netns = Int64(bitPattern: identity.netns)
        if let id = try Int64.fetchOne(
            db,
            sql: """
                SELECT id FROM series WHERE netns = ? AND ifnull(process_id, 0) = ifnull(?, 0)
                AND place_kind = ? AND place = ?
                """,
            arguments: [netns, identity.process, identity.kind, identity.place]
        ) {
            cache[identity] = id
            return id
        }
        try db.execute(
            sql: "INSERT INTO series (netns, process_id, place_kind, place) VALUES (?, ?, ?, ?)",
            arguments: [netns, identity.process, identity.kind, identity.place]
        )
        cache[identity] = db.lastInsertedRowID
        return db.lastInsertedRowID
    }
}

/// One row of `host_point`: a namespace's totals and kernel counters.
struct HostRow: Hashable {
    static let columns =
        StateCounts.columns + ["sockets_max"] + SampleAggregate.keptCounters.map(HistorySchema.counterColumn)
    var netns: Int64
    /// One value per entry of `columns`.
    var values: [Int64?]

    init(_ namespace: SampleAggregate.Namespace) {
        netns = Int64(bitPattern: namespace.netns)
        values =
            namespace.counts.values.map { $0 } + [namespace.counts.total]
            + SampleAggregate.keptCounters.map { namespace.counters[$0] }
    }

    init(_ row: Row) {
        netns = row["netns"]
        values = Self.columns.map { row[$0] }
    }

    func insert(_ db: Database, sample: Int64) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO host_point (sample_id, netns, \(Self.columns.joined(separator: ", "))) VALUES (?, ?, "
                + Array(repeating: "?", count: Self.columns.count).joined(separator: ", ") + ")"
        )
        var arguments: [(any DatabaseValueConvertible)?] = [sample, netns]
        arguments += values.map { $0 }
        try statement.execute(arguments: StatementArguments(arguments))
    }
}

/// One row of `finding`.
struct FindingRow: Hashable {
    var subject: String
    var rule: String
    var severity: Int
    var pid: Int32?
    var place: String?
    var netns: Int64?
    var size: Int64?
    var sizeMax: Int64?

    init(_ finding: SampleAggregate.FindingRecord) {
        subject = finding.subject
        rule = finding.rule
        severity = finding.severity.rawValue
        pid = finding.pid
        place = finding.place
        netns = finding.netns.map { Int64(bitPattern: $0) }
        size = finding.size
    }

    init(_ row: Row) {
        (subject, rule, severity, pid) = (row["subject"], row["rule"], row["severity"], row["pid"])
        (place, netns, size, sizeMax) = (row["place"], row["netns"], row["size"], row["size_max"])
    }

    /// Inserts the finding into sample `sample`; what it is about (subject, rule, severity,
    /// pid, place) is stored once in `finding_kind`, each sample only its size.
    func insert(_ db: Database, sample: Int64) throws {
        let identity: StatementArguments = [subject, rule, severity, pid, place, netns]
        let kind: Int64
        if let known = try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT id FROM finding_kind WHERE subject = ? AND rule = ? AND severity = ?
                    AND ifnull(pid, -1) = ifnull(?, -1) AND ifnull(place, '') = ifnull(?, '')
                    AND ifnull(netns, 0) = ifnull(?, 0)
                    """
            ),
            arguments: identity
        ) {
            kind = known
        } else {
            try db.cachedStatement(
                sql: "INSERT INTO finding_kind (subject, rule, severity, pid, place, netns) VALUES (?, ?, ?, ?, ?, ?)"
            ).execute(arguments: identity)
            kind = db.lastInsertedRowID
        }
        try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO finding (sample_id, kind_id, size, size_max) VALUES (?, ?, ?, ?)"
        )
        .execute(arguments: [sample, kind, size, sizeMax])
    }
}
