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
///
/// The rows are not decoded as they are read: a row that starts a run is copied, as bytes, after
/// the earlier ones of its entity (`RowStore`), and the run names it there. Two rows hold the
/// same values when their bytes are the same, so a run is found without building a value, and
/// each entity's rows lie together in memory when its points are built (30 days of a busy host:
/// millions of rows, a few thousand points per group).
struct RunCollector {
    /// Values held over the samples `from...to` (indices into `times`).
    struct Run {
        private var bounds: (Int32, Int32)
        var row: RowRef

        init(from: Int, to: Int, row: RowRef) {
            bounds = (Int32(from), Int32(to))
            self.row = row
        }

        var from: Int { Int(bounds.0) }
        var to: Int { Int(bounds.1) }
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
    /// The rows the runs name, per slot.
    var seriesRows = RowStore(.series)
    var processRows = RowStore(.processes)

    /// Reads level `resolution`'s samples from `from` through `through` into runs.
    ///
    /// - Parameters:
    ///   - series: Slots of the series wanted, by series id.
    ///   - processes: Indices into `processRuns` of their processes, by process id.
    /// - Throws: `HistoryError.Code.corrupt` when a blob does not decode.
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
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT s.id, s.taken_at, s.keyframe, p.data, q.data FROM sample s
                LEFT JOIN point p ON p.sample_id = s.id LEFT JOIN process_point q ON q.sample_id = s.id
                WHERE s.resolution = ? AND s.id BETWEEN ? AND ? ORDER BY s.id
                """,
            arguments: [resolution, startID, endID]
        )
        var seriesBook = RunBook(table: .series, slots: DenseSlots(series), count: slots.count)
        var processBook = RunBook(table: .processes, slots: DenseSlots(processes), count: processRuns.count)
        seriesRows.reserve(slots: slots.count)
        processRows.reserve(slots: processRuns.count)
        while let sample = try cursor.next() {
            let id: Int64 = sample[0]
            let time: Double = sample[1]
            let keyframe: Bool = sample[2]
            let next = times.count
            try sample.withUnsafeData(atIndex: 3) { blob in
                try seriesBook.advance(blob, sample: id, keyframe: keyframe, next: next, store: &seriesRows) {
                    slots[$0].runs.append($1)
                }
            }
            try sample.withUnsafeData(atIndex: 4) { blob in
                try processBook.advance(blob, sample: id, keyframe: keyframe, next: next, store: &processRows) {
                    processRuns[$0].append($1)
                }
            }
            if time >= from && time <= through {
                times.append(time)
                resolutions.append(resolution)
            }
            seriesBook.settle(next: times.count) { slots[$0].runs.append($1) }
            processBook.settle(next: times.count) { processRuns[$0].append($1) }
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
        let smooth = detail == nil ? [] : smoothSpans()
        for (number, slot) in slots.enumerated() where !slot.runs.isEmpty {
            let rows = seriesRows[number]
            let held = zip(slot.runs, slot.runs.dropFirst()).allSatisfy {
                rows.same($0.row, $1.row) && $1.from == $0.to + 1
            }
            if held && !keepUnchanged {
                unchanged += 1
                continue
            }
            if let (since, detail) = detail {
                result.append(bucketedSeries(of: slot, rows: rows, since: since, detail: detail, smooth: smooth))
            } else {
                result.append(HistorySeries(group: slot.group, points: points(of: slot, rows: rows)))
            }
        }
        return (result, unchanged)
    }

    /// The stretches of a slot's runs over which neither its values nor its process's fds and
    /// limit change: a series run cut where its process's runs start and end.
    struct Piece {
        var from: Int
        var to: Int
        /// The series run, by index in the slot's runs.
        var run: Int
        /// The process's fds and soft limit; nil when the process has no row there.
        var process: (fds: Int64?, limit: Int64?)?
    }

    func pieces(of slot: Slot) -> [Piece] {
        let fdRuns = slot.process.map { processRuns[$0] } ?? []
        let fdRows = slot.process.map { processRows[$0] }
        var pieces: [Piece] = []
        pieces.reserveCapacity(slot.runs.count)
        var cursor = 0
        var decoded = -1
        var process: (fds: Int64?, limit: Int64?) = (nil, nil)
        for (number, run) in slot.runs.enumerated() {
            var index = run.from
            while index <= run.to {
                while cursor < fdRuns.count && fdRuns[cursor].to < index { cursor += 1 }
                guard cursor < fdRuns.count, fdRuns[cursor].from <= index else {
                    // No process row until the next fd run starts (or the run ends).
                    let end = cursor < fdRuns.count ? min(run.to, fdRuns[cursor].from - 1) : run.to
                    pieces.append(Piece(from: index, to: end, run: number, process: nil))
                    index = end + 1
                    continue
                }
                if decoded != cursor {
                    decoded = cursor
                    process = fdRows?.fds(of: fdRuns[cursor].row) ?? (nil, nil)
                }
                let end = min(run.to, fdRuns[cursor].to)
                pieces.append(Piece(from: index, to: end, run: number, process: process))
                index = end + 1
            }
        }
        return pieces
    }

    private func points(of slot: Slot, rows: SlotRows) -> [HistoryPoint] {
        var points: [HistoryPoint] = []
        points.reserveCapacity(slot.runs.reduce(0) { $0 + $1.to - $1.from + 1 })
        var counted = -1
        var counts = (StateCounts(values: []), StateCounts(values: []))
        for piece in pieces(of: slot) {
            // One StateCounts per run, shared by its points.
            if counted != piece.run {
                counted = piece.run
                counts = rows.counts(of: slot.runs[piece.run].row)
            }
            for index in piece.from...piece.to {
                points.append(
                    HistoryPoint(
                        time: times[index],
                        resolution: resolutions[index],
                        counts: counts.0,
                        peak: counts.1,
                        fds: piece.process?.fds,
                        fdSoftLimit: piece.process?.limit
                    )
                )
            }
        }
        return points
    }

    /// For each sample index, the last index up to which the samples follow it without a
    /// segment break (`TimeSeries`' rule: a clock that went back or a gap over its maximum) and
    /// with finite times: the stretches `bucketedSeries` merges without looking at each sample.
    private func smoothSpans() -> [Int32] {
        var spans = [Int32](repeating: 0, count: times.count)
        var index = times.count - 1
        while index >= 0 {
            let next = index + 1
            let step = next < times.count ? times[next] - times[index] : .nan
            spans[index] = step > 0 && step <= TimeSeries.defaultMaxGap ? spans[next] : Int32(index)
            index -= 1
        }
        return spans
    }
}

/// Entity ids to slots, in an array indexed by id (the ids are row ids: small and dense).
private struct DenseSlots {
    private var slots: [Int32] = []

    init(_ map: [Int64: Int]) {
        let top = map.keys.max() ?? -1
        guard top >= 0, top < 1 << 26 else {
            slots = []
            sparse = map
            return
        }
        slots = Array(repeating: -1, count: Int(top) + 1)
        for (entity, slot) in map where entity >= 0 { slots[Int(entity)] = Int32(slot) }
        sparse = map.filter { $0.key < 0 }
    }

    /// Ids outside the array's range (negative or very large: never from SQLite's own row ids).
    private var sparse: [Int64: Int] = [:]

    subscript(entity: Int64) -> Int? {
        if entity >= 0 && entity < slots.count {
            let slot = slots[Int(entity)]
            return slot < 0 ? nil : Int(slot)
        }
        return sparse[entity]
    }
}

/// The open runs of one change table's entities while a level is read.
private struct RunBook {
    let table: ChangeTable
    let slots: DenseSlots
    /// Per entity slot: its row (in the `RowStore`) and the first sample index it holds from;
    /// nil when absent.
    var open: [(row: RowRef, from: Int)?]
    /// The sample (by ordinal in this level) each slot last had a row in.
    var seen: [Int]
    var sample = 0
    /// The rows of the sample being read (those of the slots wanted): slot, where the row lies in
    /// the blob, whether it says the entity has gone, whether it inherits its sticky columns.
    var rows: [(slot: Int, row: RowRef, gone: Bool, inherits: Bool)] = []
    /// The bytes of a row made whole (`ChangeCodec.whole`).
    var scratch: [UInt8] = []

    init(table: ChangeTable, slots: DenseSlots, count: Int) {
        self.table = table
        self.slots = slots
        open = Array(repeating: nil, count: count)
        seen = Array(repeating: -1, count: count)
    }

    /// Before a sample is shown: a keyframe ends the entities its blob (nil: no row) has no row
    /// for; a row with other values than its entity's run starts a run (copied into `store`).
    mutating func advance(
        _ blob: Data?,
        sample id: Int64,
        keyframe: Bool,
        next: Int,
        store: inout RowStore,
        emit: (Int, RunCollector.Run) -> Void
    ) throws {
        sample += 1
        rows.removeAll(keepingCapacity: true)
        try (blob ?? Data()).withUnsafeBytes { raw in
            try store.codec.scan(raw, sample: id) { located in
                guard let slot = slots[located.entity] else { return }
                seen[slot] = sample
                rows.append((slot, located.row, table.isGone(located), located.inherits))
            }
            if keyframe {
                for slot in open.indices where open[slot] != nil && seen[slot] != sample {
                    close(slot, next: next, emit: emit)
                }
            }
            for (slot, row, _, inherits) in rows {
                guard inherits else {
                    try start(slot, row, of: raw, next: next, store: &store, emit: emit)
                    continue
                }
                // Its sticky columns are those of the run it follows.
                guard let current = open[slot] else { throw table.orphan(sample: id) }
                let whole = store.whole(row, of: raw, after: current.row, slot: slot, into: &scratch)
                try scratch.withUnsafeBytes { try start(slot, whole, of: $0, next: next, store: &store, emit: emit) }
            }
        }
    }

    /// Starts a run of `row` of `blob` for `slot`, unless its values are those of the run open.
    private mutating func start(
        _ slot: Int,
        _ row: RowRef,
        of blob: UnsafeRawBufferPointer,
        next: Int,
        store: inout RowStore,
        emit: (Int, RunCollector.Run) -> Void
    ) throws {
        if let current = open[slot], store.same(slot: slot, current.row, row, of: blob) { return }
        close(slot, next: next, emit: emit)
        open[slot] = (try store.keep(row, of: blob, slot: slot), next)
    }

    /// After a sample was shown: a gone entity ends, one with maxima above its values holds still.
    mutating func settle(next: Int, emit: (Int, RunCollector.Run) -> Void) {
        for (slot, row, gone, _) in rows {
            guard let current = open[slot] else { continue }
            if gone {
                close(slot, next: next, emit: emit)
            } else if row.peakLength > 0 {
                close(slot, next: next, emit: emit)
                open[slot] = (current.row.steady, next)
            }
        }
    }

    /// Ends every run at the level's end.
    mutating func closeAll(next: Int, emit: (Int, RunCollector.Run) -> Void) {
        for slot in open.indices { close(slot, next: next, emit: emit) }
    }

    /// Ends `slot`'s run before sample index `next`; a run over no shown sample is dropped.
    private mutating func close(_ slot: Int, next: Int, emit: (Int, RunCollector.Run) -> Void) {
        guard let current = open[slot] else { return }
        if next - 1 >= current.from {
            emit(slot, RunCollector.Run(from: current.from, to: next - 1, row: current.row))
        }
        open[slot] = nil
    }
}
