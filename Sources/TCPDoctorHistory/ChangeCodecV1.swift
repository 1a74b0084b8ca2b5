import Foundation
import GRDB

/// Reads blobs in layout 1, as schema v1 wrote them, for the v2 migration that rewrites them in
/// `ChangeCodec`'s layout 2. Nothing else reads layout 1.
///
/// Layout 1, per entity in ascending order, as unsigned LEB128 varints: the id's difference from
/// the previous entity's; a mask of the `last` values neither 0 nor NULL; for a nullable table
/// a mask of the NULL values; the values of the first mask, zigzag-encoded; a mask of the leading
/// columns whose maximum differs from the last value; those maxima (0 for NULL, else the
/// zigzag-encoded value plus one).
enum ChangeCodecV1 {
    /// - Throws: `HistoryError.Code.corrupt` naming the table and sample when the blob is cut
    ///   short or names a column the table does not have.
    static func decode(_ data: Data, _ table: ChangeTable, sample: Int64) throws -> [(Int64, RowValues)] {
        let (columns, peaks, nullable) = (table.columns.count, table.peakColumns.count, table.nullable)
        let corrupt = HistoryError(
            .corrupt,
            path: "",
            message: "the \(table.name) blob of sample \(sample) is damaged; move the database away and record anew"
        )
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [(Int64, RowValues)] in
            var reader = ChangeCodec.Reader(bytes: raw)
            var rows: [(Int64, RowValues)] = []
            var entity: Int64 = 0
            let allowed: UInt64 = columns >= 64 ? .max : (1 << UInt64(columns)) - 1
            while !reader.atEnd {
                guard let delta = reader.next(), let nonzero = reader.next(), nonzero & ~allowed == 0,
                    let null = nullable ? reader.next() : 0, null & ~allowed == 0, null & nonzero == 0
                else { throw corrupt }
                entity &+= Int64(bitPattern: delta)
                var last = [Int64?](repeating: 0, count: columns)
                for index in 0..<columns {
                    if null & (1 << index) != 0 {
                        last[index] = nil
                    } else if nonzero & (1 << index) != 0 {
                        guard let value = reader.next() else { throw corrupt }
                        last[index] = ChangeCodec.unzigzag(value)
                    }
                }
                guard let differs = reader.next(), differs >> UInt64(peaks) == 0 else { throw corrupt }
                var peak = Array(last.prefix(peaks))
                for index in 0..<peaks where differs & (1 << index) != 0 {
                    guard let value = reader.next() else { throw corrupt }
                    peak[index] = value == 0 ? nil : ChangeCodec.unzigzag(value - 1)
                }
                rows.append((entity, RowValues(last: last, peak: peak)))
            }
            return rows
        }
    }

    /// Rewrites every blob of `table` from layout 1 to layout 2, a thousand samples at a time.
    static func migrate(_ db: Database, _ table: ChangeTable) throws {
        let codec = ChangeCodec(table)
        var after: Int64 = -1
        while true {
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT sample_id, data FROM \(table.name) WHERE sample_id > ? ORDER BY sample_id LIMIT 1000",
                arguments: [after]
            )
            guard let last = rows.last else { return }
            for row in rows {
                let sample: Int64 = row[0]
                let data = try decode(row[1], table, sample: sample)
                try db.cachedStatement(sql: "UPDATE \(table.name) SET data = ? WHERE sample_id = ?")
                    .execute(arguments: [codec.encode(data), sample])
            }
            after = last[0]
        }
    }
}
