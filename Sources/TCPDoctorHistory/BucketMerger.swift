import GRDB

/// Merges the samples of a finer level, in order, into buckets of a coarser one and writes each
/// bucket as one sample of it: the last values and the maxima of each group and process, the
/// last totals of each namespace, the last and largest size of each finding.
struct BucketMerger {
    private struct Accumulated {
        var last: [Int64?]
        var peak: [Int64?]
        var lastSample: Int
    }

    let width: Double
    let keyframePeriod: Double
    private(set) var written = 0
    private var bucket: Double?
    private var samples: [SampleRow] = []
    private var series: [Int64: Accumulated] = [:]
    private var processes: [Int64: Accumulated] = [:]
    private var hosts: [Int64: HostRow] = [:]
    private var findings: [String: FindingRow] = [:]

    init(width: Double, keyframePeriod: Double) {
        self.width = width
        self.keyframePeriod = keyframePeriod
    }

    mutating func add(
        _ sample: SampleRow,
        series sampleSeries: [Int64: RowValues],
        processes sampleProcesses: [Int64: RowValues],
        hosts sampleHosts: [HostRow],
        findings sampleFindings: [FindingRow],
        db: Database,
        state: inout LevelState,
        resolution: Int
    ) throws {
        let index = (sample.takenAt / width).rounded(.down)
        if let bucket, bucket != index { try finish(db: db, state: &state, resolution: resolution) }
        bucket = index
        samples.append(sample)
        let ordinal = samples.count
        Self.accumulate(&series, sampleSeries, ordinal: ordinal)
        Self.accumulate(&processes, sampleProcesses, ordinal: ordinal)
        let socketsMax = HostRow.columns.firstIndex(of: "sockets_max")!
        for host in sampleHosts {
            var merged = host
            merged.values[socketsMax] = largest(hosts[host.netns]?.values[socketsMax], host.values[socketsMax])
            hosts[host.netns] = merged
        }
        for finding in sampleFindings {
            var merged = finding
            let previous = findings[finding.subject].flatMap { largest($0.sizeMax, $0.size) }
            merged.sizeMax = largest(previous, largest(finding.sizeMax, finding.size))
            findings[finding.subject] = merged
        }
    }

    /// Writes the bucket gathered so far, if any.
    mutating func finish(db: Database, state: inout LevelState, resolution: Int) throws {
        guard let last = samples.last, let first = samples.first else { return }
        let keyframe = state.lastKeyframeAt.map { last.takenAt - $0 >= keyframePeriod } ?? true
        let row = SampleRow(
            takenAt: last.takenAt,
            firstAt: first.firstAt,
            resolution: resolution,
            keyframe: keyframe,
            merged: samples.reduce(0) { $0 + $1.merged },
            skipped: samples.reduce(0) { $0 + $1.skipped },
            sockets: last.sockets,
            unattributed: last.unattributed,
            fileHandles: last.fileHandles,
            cpuSeconds: samples.reduce(0) { $0 + $1.cpuSeconds },
            wallSeconds: samples.reduce(0) { $0 + $1.wallSeconds }
        )
        let id = try row.insert(db)
        let count = samples.count
        state.series = try ChangeTable.series.write(
            db,
            sample: id,
            entries: Self.values(series, .series, count: count),
            previous: state.series,
            keyframe: keyframe
        )
        state.processes = try ChangeTable.processes.write(
            db,
            sample: id,
            entries: Self.values(processes, .processes, count: count),
            previous: state.processes,
            keyframe: keyframe
        )
        for host in hosts.values { try host.insert(db, sample: id) }
        for finding in findings.values { try finding.insert(db, sample: id) }
        if keyframe { state.lastKeyframeAt = last.takenAt }
        state.lastAt = last.takenAt
        written += 1
        samples.removeAll()
        series.removeAll()
        processes.removeAll()
        hosts.removeAll()
        findings.removeAll()
        bucket = nil
    }

    private static func accumulate(_ into: inout [Int64: Accumulated], _ values: [Int64: RowValues], ordinal: Int) {
        for (key, value) in values {
            if var entry = into[key] {
                entry.peak = zip(entry.peak, value.peak).map(largest)
                entry.last = value.last
                entry.lastSample = ordinal
                into[key] = entry
            } else {
                into[key] = Accumulated(last: value.last, peak: value.peak, lastSample: ordinal)
            }
        }
    }

    /// The bucket's row per entity: gone if it was not there at the bucket's last sample.
    private static func values(_ entries: [Int64: Accumulated], _ table: ChangeTable, count: Int) -> [Int64: RowValues]
    {
        var result: [Int64: RowValues] = [:]
        for (key, entry) in entries {
            result[key] = RowValues(last: entry.lastSample == count ? entry.last : table.gone, peak: entry.peak)
        }
        return result
    }
}
