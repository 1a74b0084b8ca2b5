import GRDB
import TCPDoctorCore

/// A process as the history knows it.
public struct HistoryProcess: Hashable, Sendable {
    public var pid: Int32
    /// Clock ticks after boot (`/proc/PID/stat` field 22); nil when it was not known.
    public var startTime: UInt64?
    public var command: String
    public var argvHash: UInt64
    /// When the history first saw it hold a TCP socket, seconds since the Unix epoch.
    public var firstSeen: Double
}

/// What a series counts: the sockets of one namespace, process and place.
public struct HistoryGroup: Hashable, Sendable {
    public var netns: UInt64
    /// Nil for sockets no process held.
    public var process: HistoryProcess?
    /// `port` (a local port that listens) or `peer` (a remote address).
    public var placeKind: String
    /// The port number or the address.
    public var place: String
}

/// One sample of one group.
public struct HistoryPoint: Hashable, Sendable {
    /// Seconds since the Unix epoch: the sample's time, or the last sample's of a bucket.
    public var time: Double
    /// 0 for a sample as taken, else the seconds of the bucket it stands for.
    public var resolution: Int
    /// The counts at `time` (all 0 when the group has gone).
    public var counts: StateCounts
    /// The largest count of each entry over the bucket; `counts` for a sample as taken.
    public var peak: StateCounts
    /// Open fds of the group's process and its RLIMIT_NOFILE soft limit, when known.
    public var fds: Int64?
    public var fdSoftLimit: Int64?
}

/// One group's points in time order.
public struct HistorySeries: Hashable, Sendable {
    public var group: HistoryGroup
    public var points: [HistoryPoint]
    /// When the points were merged into buckets (`HistoryDetail`): the indices into `points`
    /// where a segment starts (`TimeSeries`), found on the samples as recorded; nil for points
    /// as recorded, whose times tell their breaks.
    public var segmentStarts: [Int]? = nil
    /// The same for the points that carry an fd count.
    public var fdSegmentStarts: [Int]? = nil

    /// The series as `HistoryReport` judges it: its group, its samples and their segment starts.
    public var reportEntry: HistoryReport.Entry {
        let process = group.process
        return HistoryReport.Entry(
            group: HistoryReport.Group(
                netns: group.netns,
                pid: process?.pid,
                startTime: process?.startTime,
                command: process?.command,
                placeKind: group.placeKind,
                place: group.place
            ),
            samples: points.map {
                HistoryReport.Sample(time: $0.time, counts: $0.counts, fds: $0.fds, fdSoftLimit: $0.fdSoftLimit)
            },
            segmentStarts: segmentStarts,
            fdSegmentStarts: fdSegmentStarts
        )
    }
}

/// One finding in one sample.
public struct HistoryFinding: Hashable, Sendable {
    public var time: Double
    public var resolution: Int
    public var finding: SampleAggregate.FindingRecord
    /// The largest size over the bucket; `finding.size` for a sample as taken.
    public var sizeMax: Int64?
}

extension HistoryStore {
    /// Every group's points between `since` and `until` (seconds since the Unix epoch), each from
    /// the finest level that holds its time, in time order.
    ///
    /// - Parameter matching: Which groups to return.
    public func series(
        since: Double,
        until: Double,
        matching: (HistoryGroup) -> Bool = { _ in true }
    ) throws(HistoryError) -> [HistorySeries] {
        try read("read") { db in
            let processes = try HistoryReader.processes(db)
            var groups: [Int64: (group: HistoryGroup, process: Int64?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM series") {
                let processID: Int64? = row["process_id"]
                let group = HistoryGroup(
                    netns: UInt64(bitPattern: row["netns"]),
                    process: processID.flatMap { processes[$0] },
                    placeKind: row["place_kind"],
                    place: row["place"]
                )
                if matching(group) { groups[row["id"]] = (group, processID) }
            }
            var points: [Int64: [HistoryPoint]] = [:]
            for (resolution, before) in try HistoryReader.levels(db) {
                let through = min(until, before.nextDown)
                guard through >= since else { continue }
                try HistoryReplay.replay(db, resolution: resolution, from: since, through: through) {
                    sample,
                    series,
                    processValues in
                    for (id, values) in series {
                        guard let (_, processID) = groups[id] else { continue }
                        let process = processID.flatMap { processValues[$0] }
                        points[id, default: []].append(
                            HistoryPoint(
                                time: sample.takenAt,
                                resolution: resolution,
                                counts: StateCounts(values: values.last.map { $0 ?? 0 }),
                                peak: StateCounts(values: values.peak.map { $0 ?? 0 }),
                                fds: process?.last[0],
                                fdSoftLimit: process?.last[1]
                            )
                        )
                    }
                }
            }
            return points.compactMap { id, points in
                groups[id].map { HistorySeries(group: $0.group, points: points.sorted { $0.time < $1.time }) }
            }.sorted {
                ($0.group.netns, $0.group.process?.pid ?? -1, $0.group.place) < (
                    $1.group.netns, $1.group.process?.pid ?? -1, $1.group.place
                )
            }
        }
    }

    /// The doctor's findings between `since` and `until`, in time order.
    public func findings(since: Double, until: Double) throws(HistoryError) -> [HistoryFinding] {
        try read("read") { db in
            var result: [HistoryFinding] = []
            for (resolution, before) in try HistoryReader.levels(db) {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT f.*, s.taken_at FROM finding_full f JOIN sample s ON s.id = f.sample_id
                        WHERE s.resolution = ? AND s.taken_at >= ? AND s.taken_at <= ? AND s.taken_at < ?
                        ORDER BY s.taken_at, s.id
                        """,
                    arguments: [resolution, since, until, before]
                )
                for row in rows {
                    let finding = FindingRow(row)
                    result.append(
                        HistoryFinding(
                            time: row["taken_at"],
                            resolution: resolution,
                            finding: SampleAggregate.FindingRecord(
                                rule: finding.rule,
                                severity: Finding.Severity(rawValue: finding.severity) ?? .info,
                                subject: finding.subject,
                                pid: finding.pid,
                                place: finding.place,
                                netns: finding.netns.map { UInt64(bitPattern: $0) },
                                size: finding.size
                            ),
                            sizeMax: finding.sizeMax ?? finding.size
                        )
                    )
                }
            }
            return result
        }
    }

    /// How many samples each level holds, by resolution (0 for samples as taken).
    public func sampleCounts() throws(HistoryError) -> [Int: Int] {
        try read("read") { db in
            var counts: [Int: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT resolution, count(*) AS n FROM sample GROUP BY resolution") {
                counts[row["resolution"]] = row["n"]
            }
            return counts
        }
    }

}

/// What `record` has cost so far, as it logs it into `record_log`.
public struct RecordCost: Hashable, Sendable {
    public var at: Double
    public var samples: Int64
    public var skipped: Int64
    /// CPU seconds `record` has used since it started.
    public var cpuSeconds: Double
    /// Bytes of the database on disk.
    public var databaseBytes: Int64
    /// CPU seconds and database growth per day since it started, extrapolated; nil before an hour.
    public var cpuSecondsPerDay: Double?
    public var bytesPerDay: Double?

    public init(
        at: Double,
        samples: Int64,
        skipped: Int64,
        cpuSeconds: Double,
        databaseBytes: Int64,
        cpuSecondsPerDay: Double?,
        bytesPerDay: Double?
    ) {
        (self.at, self.samples, self.skipped, self.cpuSeconds) = (at, samples, skipped, cpuSeconds)
        (self.databaseBytes, self.cpuSecondsPerDay, self.bytesPerDay) = (databaseBytes, cpuSecondsPerDay, bytesPerDay)
    }
}

extension HistoryStore {
    /// Appends a line to `record_log`.
    public func log(_ cost: RecordCost) throws(HistoryError) {
        try write("log into") { db in
            try db.execute(
                sql: """
                    INSERT INTO record_log (at, samples, skipped, cpu_seconds, database_bytes, cpu_seconds_per_day,
                        bytes_per_day) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    cost.at, cost.samples, cost.skipped, cost.cpuSeconds, cost.databaseBytes, cost.cpuSecondsPerDay,
                    cost.bytesPerDay,
                ]
            )
        }
    }

    /// The lines of `record_log`, oldest first.
    public func costLog() throws(HistoryError) -> [RecordCost] {
        try read("read") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM record_log ORDER BY id").map { row in
                RecordCost(
                    at: row["at"],
                    samples: row["samples"],
                    skipped: row["skipped"],
                    cpuSeconds: row["cpu_seconds"],
                    databaseBytes: row["database_bytes"],
                    cpuSecondsPerDay: row["cpu_seconds_per_day"],
                    bytesPerDay: row["bytes_per_day"]
                )
            }
        }
    }
}
