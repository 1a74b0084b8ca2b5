import Foundation
import TCPDoctorCore

/// The rows the runs of one change table name: per slot, the bytes of each row that started a
/// run, one after the other, so that an entity's rows are read from one stretch of memory.
struct RowStore {
    let codec: ChangeCodec
    private var rows: [[UInt8]] = []

    init(_ table: ChangeTable) { codec = ChangeCodec(table) }

    /// Makes room for slots up to `slots`.
    mutating func reserve(slots: Int) {
        while rows.count < slots { rows.append([]) }
    }

    /// Copies `row` of `blob` after the rows of `slot`; returns where it lies now.
    ///
    /// - Throws: `HistoryError.Code.io` past 4 GB of one entity's rows.
    mutating func keep(_ row: RowRef, of blob: UnsafeRawBufferPointer, slot: Int) throws -> RowRef {
        let offset = rows[slot].count
        let length = row.lastLength + row.peakLength
        guard offset + length <= Int(UInt32.max) else {
            throw HistoryError(
                .io,
                path: "",
                message: "the \(codec.name) rows of this range pass 4 GB; ask for a shorter range (--since, --until)"
            )
        }
        rows[slot].append(contentsOf: UnsafeRawBufferPointer(rebasing: blob[row.offset..<(row.offset + length)]))
        return RowRef(offset: offset, lastLength: row.lastLength, peakLength: row.peakLength)
    }

    /// `row` of `blob`, which inherits its sticky columns from `kept`, a row of `slot`, made
    /// whole in `bytes`.
    func whole(
        _ row: RowRef,
        of blob: UnsafeRawBufferPointer,
        after kept: RowRef,
        slot: Int,
        into bytes: inout [UInt8]
    ) -> RowRef {
        rows[slot].withUnsafeBytes { codec.whole(blob, row, after: kept, of: $0, into: &bytes) }
    }

    /// Whether `kept`, a row of `slot`, holds the values of `row` of `blob`.
    func same(slot: Int, _ kept: RowRef, _ row: RowRef, of blob: UnsafeRawBufferPointer) -> Bool {
        rows[slot].withUnsafeBytes { ChangeCodec.same($0, kept, blob, row) }
    }

    subscript(slot: Int) -> SlotRows { SlotRows(codec: codec, bytes: rows[slot]) }
}

/// The rows of one slot, decoded on demand.
struct SlotRows {
    let codec: ChangeCodec
    let bytes: [UInt8]

    func same(_ a: RowRef, _ b: RowRef) -> Bool {
        bytes.withUnsafeBytes { ChangeCodec.same($0, a, $0, b) }
    }

    /// A row's values and maxima.
    func values(of row: RowRef) -> RowValues {
        var last = [Int64?](repeating: 0, count: codec.columns)
        var peak = [Int64?](repeating: 0, count: codec.peaks)
        bytes.withUnsafeBytes { raw in
            last.withUnsafeMutableBufferPointer { last in
                peak.withUnsafeMutableBufferPointer { peak in codec.decode(raw, row, last: last, peak: peak) }
            }
        }
        return RowValues(last: last, peak: peak)
    }

    /// A group row's counts and peaks, the peaks sharing the counts when equal.
    func counts(of row: RowRef) -> (StateCounts, StateCounts) {
        let values = values(of: row)
        let counts = StateCounts(values: values.last.map { $0 ?? 0 })
        return (counts, row.peakLength == 0 ? counts : StateCounts(values: values.peak.map { $0 ?? 0 }))
    }

    /// A process row's fds and soft limit.
    func fds(of row: RowRef) -> (fds: Int64?, limit: Int64?) {
        withUnsafeTemporaryAllocation(of: Int64?.self, capacity: codec.columns) { last in
            bytes.withUnsafeBytes { codec.decode($0, row, last: last, peak: nil) }
            return (last[0], last[1])
        }
    }

    /// Raises each of `peak` to the row's maximum for it.
    func raise(_ peak: inout [Int64?], to row: RowRef) {
        withUnsafeTemporaryAllocation(of: Int64?.self, capacity: codec.peaks) { other in
            bytes.withUnsafeBytes { codec.decode($0, row, last: nil, peak: other) }
            for index in 0..<min(peak.count, other.count) where other[index] != peak[index] {
                peak[index] = largest(peak[index], other[index])
            }
        }
    }
}
