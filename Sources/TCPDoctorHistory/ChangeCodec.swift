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
/// 2. a bit mask of the `last` values that are neither 0 nor NULL (bit i: column i); for a
///    nullable table shifted left one bit, with bit 0 set when some value is NULL;
/// 3. only when some value is NULL, a bit mask of the `last` values that are NULL;
/// 4. the values of mask 2, in column order, zigzag-encoded;
/// 5. only when the row has maxima: a bit mask of the leading columns whose maximum differs from
///    the last value, then those maxima in column order: 0 for NULL, else the zigzag-encoded
///    value plus one.
///
/// Values not in a mask are 0. A typical group (a few nonzero counts) takes 4 to 6 bytes; a
/// process 4 to 8. Each set of values has one encoding, so rows with the same bytes hold the same
/// values. (Layout 1, of schema v1, always wrote masks 3 and 5; `ChangeCodecV1` reads it for the
/// v2 migration.)
struct ChangeCodec {
    let columns: Int
    let peaks: Int
    let nullable: Bool
    let name: String

    init(_ table: ChangeTable) {
        columns = table.columns.count
        peaks = table.peakColumns.count
        nullable = table.nullable
        name = table.name
    }

    func encode(_ rows: [(Int64, RowValues)]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.count * 6)
        var previous: Int64 = 0
        for (entity, values) in rows {
            var nonzero: UInt64 = 0
            var null: UInt64 = 0
            for (index, value) in values.last.enumerated() {
                switch value {
                case nil: null |= 1 << index
                case 0?: break
                case _?: nonzero |= 1 << index
                }
            }
            var differs: UInt64 = 0
            for index in 0..<peaks where values.peak[index] != values.last[index] { differs |= 1 << index }
            Self.put(UInt64(bitPattern: entity &- previous) << 1 | (differs == 0 ? 0 : 1), &bytes)
            previous = entity
            if nullable {
                Self.put(nonzero << 1 | (null == 0 ? 0 : 1), &bytes)
                if null != 0 { Self.put(null, &bytes) }
            } else {
                Self.put(nonzero, &bytes)
            }
            for (index, value) in values.last.enumerated() where nonzero & (1 << index) != 0 {
                Self.put(Self.zigzag(value!), &bytes)
            }
            guard differs != 0 else { continue }
            Self.put(differs, &bytes)
            for index in 0..<peaks where differs & (1 << index) != 0 {
                Self.put(values.peak[index].map { Self.zigzag($0) + 1 } ?? 0, &bytes)
            }
        }
        return Data(bytes)
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
            guard let (nonzero, null) = reader.masks(nullable: nullable), nonzero & ~allowed == 0,
                null & ~allowed == 0, null & nonzero == 0, reader.skip(nonzero.nonzeroBitCount)
            else { throw corrupt(sample) }
            let lastEnd = reader.offset
            if header & 1 != 0 {
                guard let differs = reader.next(), differs != 0, differs >> UInt64(peaks) == 0,
                    reader.skip(differs.nonzeroBitCount)
                else { throw corrupt(sample) }
            }
            entity &+= Int64(bitPattern: header >> 1)
            let row = RowRef(offset: start, lastLength: lastEnd - start, peakLength: reader.offset - lastEnd)
            try body(Located(entity: entity, row: row, nonzero: nonzero, null: null))
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
        let (nonzero, null) = reader.masks(nullable: nullable) ?? (0, 0)
        guard last != nil || peak != nil else { return }
        // The last values first: the maxima default to them.
        var index = 0
        while index < columns {
            let bit: UInt64 = 1 << UInt64(index)
            let value: Int64? =
                null & bit != 0 ? nil : nonzero & bit != 0 ? Self.unzigzag(reader.next() ?? 0) : 0
            last?[index] = value
            if index < peaks { peak?[index] = value }
            index += 1
        }
        guard row.peakLength > 0, let peak else { return }
        reader.offset = row.offset + row.lastLength
        let differs = reader.next() ?? 0
        for index in 0..<peaks where differs & (1 << UInt64(index)) != 0 {
            let value = reader.next() ?? 0
            peak[index] = value == 0 ? nil : Self.unzigzag(value - 1)
        }
    }

    /// Whether two rows that `scan` checked hold the same values and maxima: the same bytes
    /// (the layout writes each set of values one way only).
    static func same(_ raw: UnsafeRawBufferPointer, _ a: RowRef, _ b: RowRef) -> Bool {
        guard a.lastLength == b.lastLength, a.peakLength == b.peakLength else { return false }
        if a.offset == b.offset { return true }
        let base = raw.baseAddress!
        if memcmp(base + a.offset, base + b.offset, a.lastLength) != 0 { return false }
        guard a.peakLength > 0 else { return true }
        return memcmp(base + a.offset + a.lastLength, base + b.offset + b.lastLength, a.peakLength) == 0
    }

    /// - Throws: `HistoryError.Code.corrupt` naming the table and sample when the blob is cut
    ///   short or names a column the table does not have.
    func decode(_ data: Data, sample: Int64) throws -> [(Int64, RowValues)] {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [(Int64, RowValues)] in
            var rows: [(Int64, RowValues)] = []
            var last = [Int64?](repeating: 0, count: columns)
            var peak = [Int64?](repeating: 0, count: peaks)
            try scan(raw, sample: sample) { located in
                last.withUnsafeMutableBufferPointer { last in
                    peak.withUnsafeMutableBufferPointer { peak in decode(raw, located.row, last: last, peak: peak) }
                }
                rows.append((located.entity, RowValues(last: last, peak: peak)))
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

        /// Masks 2 and 3 of a row: the nonzero and the NULL values; nil when the bytes end first
        /// or mask 3 is there with no bit set.
        mutating func masks(nullable: Bool) -> (nonzero: UInt64, null: UInt64)? {
            guard let mask = next() else { return nil }
            guard nullable else { return (mask, 0) }
            guard mask & 1 != 0 else { return (mask >> 1, 0) }
            guard let null = next(), null != 0 else { return nil }
            return (mask >> 1, null)
        }

        /// Steps over `count` varints; false when the bytes end first.
        mutating func skip(_ count: Int) -> Bool {
            for _ in 0..<count where next() == nil { return false }
            return true
        }

        mutating func next() -> UInt64? {
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
