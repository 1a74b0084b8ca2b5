import Foundation
import GRDB
import TCPDoctorCore

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
