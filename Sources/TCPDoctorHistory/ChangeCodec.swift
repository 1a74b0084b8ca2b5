import Foundation

/// Where a row's values lie in the bytes they were read from: masks 2 and 3 and the values
/// (`lastLength` bytes from `offset`), then the maxima (`peakLength` bytes; 0 when the maxima
/// equal the values, as for a row read back as steady). See `ChangeCodec`.
struct RowRef: Equatable {
    private var start: UInt32
    private var lengths: (UInt16, UInt16)

    init(offset: Int, lastLength: Int, peakLength: Int) {
        start = UInt32(offset)
        lengths = (UInt16(lastLength), UInt16(peakLength))
    }

    var offset: Int { Int(start) }
    var lastLength: Int { Int(lengths.0) }
    var peakLength: Int { Int(lengths.1) }

    /// The same row moved `base` bytes on (its blob copied after others).
    func shifted(by base: Int) -> RowRef {
        RowRef(offset: base + offset, lastLength: lastLength, peakLength: peakLength)
    }
    /// The same values with maxima equal to them.
    var steady: RowRef { RowRef(offset: offset, lastLength: lastLength, peakLength: 0) }

    static func == (a: RowRef, b: RowRef) -> Bool {
        a.start == b.start && a.lengths.0 == b.lengths.0 && a.lengths.1 == b.lengths.1
    }
}

/// The rows of one sample of a change-only table, packed into one blob (layout 2, from schema v2).
///
/// Entities in ascending order (their ids are SQLite row ids: positive), each as unsigned LEB128
/// varints:
///
/// 1. the entity id as the difference from the previous entity's (the first: the id), shifted
///    left one bit, with bit 0 set when the row has maxima (item 5);
/// 2. a bit mask of the `last` values that are neither 0 nor NULL (bit i: column i); for a table
///    with sticky columns (`ChangeTable.sticky`: a process's fd limits) shifted left one bit, with
///    bit 0 set when the row leaves them out because they hold what the entity held before (never
///    at a keyframe); then for a nullable table shifted left one more bit, with bit 0 set when
///    some value is NULL;
/// 3. only when some value is NULL, a bit mask of the `last` values that are NULL;
/// 4. the values of mask 2, in column order, zigzag-encoded;
/// 5. only when the row has maxima: a bit mask of the leading columns whose maximum differs from
///    the last value, then those maxima in column order: 0 for NULL, else the zigzag-encoded
///    value plus one.
///
/// Values not in a mask are 0 (or, left out as sticky, the entity's earlier values). A typical
/// group (a few nonzero counts) takes 4 to 6 bytes; a process whose fds changed 3 to 5. Each set of values has one encoding, so rows with the same bytes hold the same
/// values. (Layout 1, of schema v1, always wrote masks 3 and 5; `ChangeCodecV1` reads it for the
/// v2 migration.)
struct ChangeCodec {
    let columns: Int
    let peaks: Int
    let nullable: Bool
    /// Columns a row may leave out when they hold what its entity held before (`ChangeTable.sticky`).
    let sticky: UInt64
    let name: String

    init(_ table: ChangeTable) {
        columns = table.columns.count
        peaks = table.peakColumns.count
        nullable = table.nullable
        sticky = table.sticky
        name = table.name
    }

    /// - Parameter previous: The values each entity had before this sample (the level's state);
    ///   a row whose `sticky` columns hold the same is written without them. Empty at a keyframe,
    ///   whose rows are all whole.
    func encode(_ rows: [(Int64, RowValues)], previous: [Int64: [Int64?]] = [:]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.count * 6)
        var before: Int64 = 0
        for (entity, values) in rows {
            let inherits =
                sticky != 0
                && previous[entity].map { old in
                    (0..<columns).allSatisfy { sticky & (1 << UInt64($0)) == 0 || old[$0] == values.last[$0] }
                } == true
            let differs = (0..<peaks).reduce(UInt64(0)) { $0 | (values.peak[$1] != values.last[$1] ? 1 << $1 : 0) }
            Self.put(UInt64(bitPattern: entity &- before) << 1 | (differs == 0 ? 0 : 1), &bytes)
            before = entity
            put(values, inherits: inherits, differs: differs, &bytes)
        }
        return Data(bytes)
    }

    /// Items 2 to 5 of a row: its masks, values and maxima.
    private func put(_ values: RowValues, inherits: Bool, differs: UInt64, _ bytes: inout [UInt8]) {
        var nonzero: UInt64 = 0
        var null: UInt64 = 0
        for (index, value) in values.last.enumerated() where !inherits || sticky & (1 << UInt64(index)) == 0 {
            switch value {
            case nil: null |= 1 << index
            case 0?: break
            case _?: nonzero |= 1 << index
            }
        }
        putMasks(nonzero: nonzero, null: null, inherits: inherits, &bytes)
        for (index, value) in values.last.enumerated() where nonzero & (1 << index) != 0 {
            Self.put(Self.zigzag(value!), &bytes)
        }
        guard differs != 0 else { return }
        Self.put(differs, &bytes)
        for index in 0..<peaks where differs & (1 << index) != 0 {
            Self.put(values.peak[index].map { Self.zigzag($0) + 1 } ?? 0, &bytes)
        }
    }

    /// Items 2 and 3 of a row (what `Reader.masks` reads).
    private func putMasks(nonzero: UInt64, null: UInt64, inherits: Bool, _ bytes: inout [UInt8]) {
        var mask = nonzero
        if sticky != 0 { mask = mask << 1 | (inherits ? 1 : 0) }
        if nullable { mask = mask << 1 | (null == 0 ? 0 : 1) }
        Self.put(mask, &bytes)
        if null != 0 { Self.put(null, &bytes) }
    }

    /// A row that `scan` found with `inherits`, made whole: its sticky columns taken from the
    /// whole row `before` (of the bytes `previous`) that its entity held, written into `bytes` as
    /// the row would be written whole; returns where it lies there. No value is decoded: each is
    /// copied, as its varint, from the one row or the other.
    func whole(
        _ raw: UnsafeRawBufferPointer,
        _ row: RowRef,
        after before: RowRef,
        of previous: UnsafeRawBufferPointer,
        into bytes: inout [UInt8]
    ) -> RowRef {
        var reader = Reader(bytes: raw, offset: row.offset)
        var earlier = Reader(bytes: previous, offset: before.offset)
        let (nonzero, null, _) = reader.masks(nullable: nullable, sticky: true) ?? (0, 0, false)
        let (nonzeroBefore, nullBefore, _) = earlier.masks(nullable: nullable, sticky: true) ?? (0, 0, false)
        let wholeNonzero = nonzero | nonzeroBefore & sticky
        let wholeNull = null | nullBefore & sticky
        bytes.removeAll(keepingCapacity: true)
        putMasks(nonzero: wholeNonzero, null: wholeNull, inherits: false, &bytes)
        for index in 0..<columns {
            let bit: UInt64 = 1 << UInt64(index)
            // The earlier row's values come in column order too: step over those not taken.
            if nonzeroBefore & bit != 0 {
                if sticky & bit != 0 { earlier.copy(into: &bytes) } else { _ = earlier.next() }
            }
            if nonzero & bit != 0 { reader.copy(into: &bytes) }
        }
        let lastLength = bytes.count
        bytes.append(contentsOf: raw[(row.offset + row.lastLength)..<(row.offset + row.lastLength + row.peakLength)])
        return RowRef(offset: 0, lastLength: lastLength, peakLength: row.peakLength)
    }

    /// Where one row of a blob lies, found by `scan` without decoding its values.
    struct Located {
        var entity: Int64
        /// The row's values: its masks and values, then its maxima (when any differ).
        var row: RowRef
        /// Bit i: value i is neither 0 nor NULL.
        var nonzero: UInt64
        /// Bit i: value i is NULL.
        var null: UInt64
        /// The row leaves out its sticky columns: they hold what its entity held before.
        var inherits: Bool
    }

    /// Calls `body` with every row of a blob in order, checking the layout without decoding a value.
    ///
    /// - Throws: `HistoryError.Code.corrupt` naming the table and sample when the blob is cut
    ///   short or names a column the table does not have.
    func scan(_ raw: UnsafeRawBufferPointer, sample: Int64, _ body: (Located) throws -> Void) throws {
        var reader = Reader(bytes: raw)
        var entity: Int64 = 0
        let allowed: UInt64 = columns >= 64 ? .max : (1 << UInt64(columns)) - 1
        while !reader.atEnd {
            guard let header = reader.next() else { throw corrupt(sample) }
            let start = reader.offset
            guard let (nonzero, null, inherits) = reader.masks(nullable: nullable, sticky: sticky != 0),
                nonzero & ~allowed == 0, null & ~allowed == 0, null & nonzero == 0,
                !inherits || (nonzero | null) & sticky == 0, reader.skip(nonzero.nonzeroBitCount)
            else { throw corrupt(sample) }
            let lastEnd = reader.offset
            if header & 1 != 0 {
                guard let differs = reader.next(), differs != 0, differs >> UInt64(peaks) == 0,
                    reader.skip(differs.nonzeroBitCount)
                else { throw corrupt(sample) }
            }
            entity &+= Int64(bitPattern: header >> 1)
            let row = RowRef(offset: start, lastLength: lastEnd - start, peakLength: reader.offset - lastEnd)
            try body(Located(entity: entity, row: row, nonzero: nonzero, null: null, inherits: inherits))
        }
    }

    /// The last values and the maxima of a row that `scan` checked (`raw`: the bytes its
    /// offsets count from), each written to its buffer when given: `columns` and `peaks` slots.
    func decode(
        _ raw: UnsafeRawBufferPointer,
        _ row: RowRef,
        last: UnsafeMutableBufferPointer<Int64?>?,
        peak: UnsafeMutableBufferPointer<Int64?>?
    ) {
        var reader = Reader(bytes: raw, offset: row.offset)
        let (nonzero, null, _) = reader.masks(nullable: nullable, sticky: sticky != 0) ?? (0, 0, false)
        // Zero where no mask says otherwise; then the NULLs, then the values of the set bits
        // (a typical row: two or three), in column order. The maxima default to the values.
        if let last { last.initialize(repeating: 0) }
        if let peak { peak.initialize(repeating: 0) }
        var bits = null
        while bits != 0 {
            let index = bits.trailingZeroBitCount
            bits &= bits - 1
            last?[index] = nil
            if index < peaks { peak?[index] = nil }
        }
        bits = nonzero
        while bits != 0 {
            let index = bits.trailingZeroBitCount
            bits &= bits - 1
            let value = Self.unzigzag(reader.next() ?? 0)
            last?[index] = value
            if index < peaks { peak?[index] = value }
        }
        guard row.peakLength > 0, let peak else { return }
        reader.offset = row.offset + row.lastLength
        bits = reader.next() ?? 0
        while bits != 0 {
            let index = bits.trailingZeroBitCount
            bits &= bits - 1
            let value = reader.next() ?? 0
            peak[index] = value == 0 ? nil : Self.unzigzag(value - 1)
        }
    }

    /// Whether two rows that `scan` checked, `a` of the bytes `x` and `b` of `y`, hold the same
    /// values and maxima: the same bytes (the layout writes each set of values one way only).
    static func same(_ x: UnsafeRawBufferPointer, _ a: RowRef, _ y: UnsafeRawBufferPointer, _ b: RowRef) -> Bool {
        guard a.lastLength == b.lastLength, a.peakLength == b.peakLength else { return false }
        guard let left = x.baseAddress, let right = y.baseAddress else { return false }
        if left == right && a.offset == b.offset { return true }
        if memcmp(left + a.offset, right + b.offset, a.lastLength) != 0 { return false }
        guard a.peakLength > 0 else { return true }
        return memcmp(left + a.offset + a.lastLength, right + b.offset + b.lastLength, a.peakLength) == 0
    }

    /// - Throws: `HistoryError.Code.corrupt` naming the table and sample when the blob is cut
    ///   short or names a column the table does not have.
    ///
    /// A row that `inherits` has 0 in its sticky columns: the caller takes them from the values
    /// its entity held before (the rows of the samples before, from the last keyframe on).
    func decode(_ data: Data, sample: Int64) throws -> [(entity: Int64, values: RowValues, inherits: Bool)] {
        try data.withUnsafeBytes { raw throws -> [(entity: Int64, values: RowValues, inherits: Bool)] in
            var rows: [(entity: Int64, values: RowValues, inherits: Bool)] = []
            var last = [Int64?](repeating: 0, count: columns)
            var peak = [Int64?](repeating: 0, count: peaks)
            try scan(raw, sample: sample) { located in
                last.withUnsafeMutableBufferPointer { last in
                    peak.withUnsafeMutableBufferPointer { peak in decode(raw, located.row, last: last, peak: peak) }
                }
                rows.append((located.entity, RowValues(last: last, peak: peak), located.inherits))
            }
            return rows
        }
    }

    private func corrupt(_ sample: Int64) -> HistoryError {
        HistoryError(
            .corrupt,
            path: "",
            message: "the \(name) blob of sample \(sample) is damaged; move the database away and record anew"
        )
    }

    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    private static func put(_ value: UInt64, _ bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0
        var atEnd: Bool { offset >= bytes.count }

        /// Masks 2 and 3 of a row: the nonzero and the NULL values, and whether the row leaves
        /// out its sticky columns; nil when the bytes end first or mask 3 is there with no bit set.
        mutating func masks(nullable: Bool, sticky: Bool) -> (nonzero: UInt64, null: UInt64, inherits: Bool)? {
            guard var mask = next() else { return nil }
            var hasNull = false
            if nullable {
                hasNull = mask & 1 != 0
                mask >>= 1
            }
            var inherits = false
            if sticky {
                inherits = mask & 1 != 0
                mask >>= 1
            }
            guard hasNull else { return (mask, 0, inherits) }
            guard let null = next(), null != 0 else { return nil }
            return (mask, null, inherits)
        }

        /// Appends the next varint's bytes as they are.
        mutating func copy(into bytes: inout [UInt8]) {
            let start = offset
            _ = next()
            bytes.append(contentsOf: self.bytes[start..<offset])
        }

        /// Steps over `count` varints; false when the bytes end first.
        mutating func skip(_ count: Int) -> Bool {
            for _ in 0..<count where next() == nil { return false }
            return true
        }

        mutating func next() -> UInt64? {
            // Most varints here are one byte.
            if offset < bytes.count, bytes[offset] < 0x80 {
                offset += 1
                return UInt64(bytes[offset - 1])
            }
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count, shift < 64 {
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
    }
}
