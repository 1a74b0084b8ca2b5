import Foundation

/// The rows of one sample of a change-only table, packed into one blob.
///
/// Entities in ascending order, each as unsigned LEB128 varints:
///
/// 1. the entity id, as the difference from the previous entity's (the first: the id);
/// 2. a bit mask of the `last` values that are neither 0 nor NULL (bit i: column i);
/// 3. for a nullable table only, a bit mask of the `last` values that are NULL;
/// 4. the values of mask 2, in column order, zigzag-encoded;
/// 5. a bit mask of the leading columns whose maximum differs from the last value;
/// 6. those maxima, in column order: 0 for NULL, else the zigzag-encoded value plus one.
///
/// Values not in a mask are 0. A typical group (a few nonzero counts) takes 6 to 8 bytes.
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
        bytes.reserveCapacity(rows.count * 8)
        var previous: Int64 = 0
        for (entity, values) in rows {
            Self.put(UInt64(bitPattern: entity &- previous), &bytes)
            previous = entity
            var nonzero: UInt64 = 0
            var null: UInt64 = 0
            for (index, value) in values.last.enumerated() {
                switch value {
                case nil: null |= 1 << index
                case 0?: break
                case _?: nonzero |= 1 << index
                }
            }
            Self.put(nonzero, &bytes)
            if nullable { Self.put(null, &bytes) }
            for (index, value) in values.last.enumerated() where nonzero & (1 << index) != 0 {
                Self.put(Self.zigzag(value!), &bytes)
            }
            var differs: UInt64 = 0
            for index in 0..<peaks where values.peak[index] != values.last[index] { differs |= 1 << index }
            Self.put(differs, &bytes)
            for index in 0..<peaks where differs & (1 << index) != 0 {
                Self.put(values.peak[index].map { Self.zigzag($0) + 1 } ?? 0, &bytes)
            }
        }
        return Data(bytes)
    }

    /// - Throws: `HistoryError.Code.corrupt` naming the table and sample when the blob is cut
    ///   short or names a column the table does not have.
    func decode(_ data: Data, sample: Int64) throws -> [(Int64, RowValues)] {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [(Int64, RowValues)] in
            var reader = Reader(bytes: raw)
            var rows: [(Int64, RowValues)] = []
            var entity: Int64 = 0
            let allowed: UInt64 = columns >= 64 ? .max : (1 << UInt64(columns)) - 1
            while !reader.atEnd {
                guard let delta = reader.next(), let nonzero = reader.next(), nonzero & ~allowed == 0,
                    let null = nullable ? reader.next() : 0, null & ~allowed == 0, null & nonzero == 0
                else { throw corrupt(sample) }
                entity &+= Int64(bitPattern: delta)
                var last = [Int64?](repeating: 0, count: columns)
                for index in 0..<columns {
                    if null & (1 << index) != 0 {
                        last[index] = nil
                    } else if nonzero & (1 << index) != 0 {
                        guard let value = reader.next() else { throw corrupt(sample) }
                        last[index] = Self.unzigzag(value)
                    }
                }
                guard let differs = reader.next(), differs >> UInt64(peaks) == 0 else { throw corrupt(sample) }
                // Shares the storage of `last` until a maximum differs (most rows: one array, not two).
                var peak = peaks == columns ? last : Array(last.prefix(peaks))
                for index in 0..<peaks where differs & (1 << index) != 0 {
                    guard let value = reader.next() else { throw corrupt(sample) }
                    peak[index] = value == 0 ? nil : Self.unzigzag(value - 1)
                }
                rows.append((entity, RowValues(last: last, peak: peak)))
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

    private static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    private static func unzigzag(_ value: UInt64) -> Int64 {
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

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0
        var atEnd: Bool { offset >= bytes.count }

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
