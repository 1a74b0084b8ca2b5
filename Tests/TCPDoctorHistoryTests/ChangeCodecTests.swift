import Foundation
import Testing

@testable import TCPDoctorHistory

@Suite struct ChangeCodecTests {
    @Test func roundTripsCountsNullsNegativesAndMaxima() throws {
        let series = ChangeCodec(.series)
        let columns = ChangeTable.series.columns.count
        var busy = [Int64?](repeating: 0, count: columns)
        busy[0] = 1
        busy[1] = 300_000
        busy[columns - 1] = Int64.max
        var peak = Array(busy.prefix(ChangeTable.series.peakColumns.count))
        peak[1] = 400_000
        let rows: [(Int64, RowValues)] = [
            (3, RowValues(last: busy, peak: peak)),
            (4, ChangeTable.series.steady(ChangeTable.series.gone)),
            (9_000_000_000, ChangeTable.series.steady(busy)),
        ]
        let decoded = try series.decode(series.encode(rows), sample: 1)
        #expect(decoded.map(\.0) == rows.map(\.0))
        #expect(decoded.map(\.1) == rows.map(\.1))

        let processes = ChangeCodec(.processes)
        let process: [(Int64, RowValues)] = [
            (1, RowValues(last: [17, nil, 0], peak: [40])),
            (2, RowValues(last: [nil, nil, nil], peak: [nil])),
            (5, RowValues(last: [-1, 1024, 4096], peak: [nil])),
        ]
        let back = try processes.decode(processes.encode(process), sample: 1)
        #expect(back.map(\.1) == process.map(\.1))
    }

    @Test func aTypicalGroupTakesAFewBytes() {
        var counts = [Int64?](repeating: 0, count: ChangeTable.series.columns.count)
        counts[0] = 1
        counts[1] = 42
        let rows = (0..<100).map { (Int64($0), ChangeTable.series.steady(counts)) }
        #expect(ChangeCodec(.series).encode(rows).count <= 100 * 4)
    }

    @Test func aDamagedBlobIsCorruptNotACrash() {
        var counts = [Int64?](repeating: 0, count: ChangeTable.series.columns.count)
        counts[2] = 1_000_000
        let data = ChangeCodec(.series).encode([(7, ChangeTable.series.steady(counts))])
        for cut in 1..<data.count {
            #expect(throws: HistoryError.self) { try ChangeCodec(.series).decode(data.prefix(cut), sample: 1) }
        }
        #expect(throws: HistoryError.self) {
            try ChangeCodec(.series).decode(Data([0x01, 0xff, 0xff, 0xff, 0x7f]), sample: 1)
        }
    }

    /// The reader finds runs by comparing bytes: rows with the same bytes must hold the same
    /// values, and rows with the same values the same bytes.
    @Test func rowsWithTheSameBytesHoldTheSameValues() throws {
        var random = SystemRandomNumberGenerator()
        for table in [ChangeTable.series, .processes] {
            let codec = ChangeCodec(table)
            let choices: [Int64?] = table.nullable ? [nil, 0, 1, 2, 300, -5] : [0, 1, 2, 300, -5]
            let rows: [(Int64, RowValues)] = (0..<400).map { entity in
                let last = table.columns.map { _ in choices.randomElement(using: &random)! }
                var peak = Array(last.prefix(table.peakColumns.count))
                if Bool.random(using: &random) { peak[0] = choices.randomElement(using: &random)! }
                return (Int64(entity * 3 + 1), RowValues(last: last, peak: peak))
            }
            let data = codec.encode(rows)
            var located: [ChangeCodec.Located] = []
            try data.withUnsafeBytes { raw in
                try codec.scan(raw, sample: 1) { located.append($0) }
                #expect(located.map(\.entity) == rows.map(\.0))
                for (a, first) in zip(located, rows) {
                    for (b, second) in zip(located, rows).prefix(60) {
                        #expect(ChangeCodec.same(raw, a.row, raw, b.row) == (first.1 == second.1))
                        #expect(
                            ChangeCodec.same(raw, a.row.steady, raw, b.row) == (table.steady(first.1.last) == second.1)
                        )
                    }
                }
            }
            #expect(try codec.decode(data, sample: 1).map(\.1) == rows.map(\.1))
        }
    }

    /// Layout 1 (schema v1) is read for the v2 migration, byte for byte as v1 wrote it.
    @Test func readsLayoutOneForTheMigration() throws {
        // Entity 3: ESTABLISHED 42 (mask bit 1, zigzag 84), no maxima; entity 5 (delta 2): LISTEN 1
        // with a maximum of 7 for it (maxima mask bit 0, zigzag 14 plus one).
        let series = try ChangeCodecV1.decode(Data([3, 0b10, 84, 0, 2, 0b1, 2, 0b1, 15]), .series, sample: 1)
        var established = [Int64?](repeating: 0, count: ChangeTable.series.columns.count)
        established[1] = 42
        var listen = [Int64?](repeating: 0, count: ChangeTable.series.columns.count)
        listen[0] = 1
        var listenPeak = listen
        listenPeak[0] = 7
        #expect(series.map(\.0) == [3, 5])
        #expect(series.map(\.1) == [ChangeTable.series.steady(established), RowValues(last: listen, peak: listenPeak)])
        // A process: fds 17 and no limits (NULL mask 0b110), maximum fds NULL (a 0).
        let processes = try ChangeCodecV1.decode(Data([9, 0b1, 0b110, 34, 0b1, 0]), .processes, sample: 1)
        #expect(processes.map(\.1) == [RowValues(last: [17, nil, nil], peak: [nil])])
        #expect(throws: HistoryError.self) { try ChangeCodecV1.decode(Data([9, 0b1, 0b110]), .processes, sample: 1) }
    }

    /// A process's fd limits are left out of a row while they hold what it held before, and made
    /// whole again from the row before.
    @Test func stickyLimitsAreLeftOutAndMadeWhole() throws {
        let codec = ChangeCodec(.processes)
        let before: [Int64: [Int64?]] = [1: [10, 1024, 4096], 2: [10, 1024, 4096]]
        let rows: [(Int64, RowValues)] = [
            (1, RowValues(last: [12, 1024, 4096], peak: [15])),  // limits as before: left out
            (2, ChangeTable.processes.steady([12, 2048, 4096])),  // a limit raised: whole
            (3, ChangeTable.processes.steady([5, nil, nil])),  // new: whole
        ]
        let data = codec.encode(rows, previous: before)
        #expect(data.count < codec.encode(rows).count)
        let decoded = try codec.decode(data, sample: 1)
        #expect(decoded.map(\.inherits) == [true, false, false])
        #expect(decoded[1].values == rows[1].1 && decoded[2].values == rows[2].1)
        #expect(ChangeTable.processes.inheriting(decoded[0].values, from: before[1]!) == rows[0].1)
        // What the reader keeps: the row as it would be written whole, made from the bytes of
        // the row before (as the reader keeps it: whole, without its header).
        let earlier = Array(codec.encode([(1, ChangeTable.processes.steady(before[1]!))]).dropFirst())
        try data.withUnsafeBytes { raw in
            var first: ChangeCodec.Located?
            try codec.scan(raw, sample: 1) { if first == nil { first = $0 } }
            var bytes: [UInt8] = []
            let row = try earlier.withUnsafeBytes { previous in
                let kept = RowRef(offset: 0, lastLength: earlier.count, peakLength: 0)
                return codec.whole(raw, try #require(first).row, after: kept, of: previous, into: &bytes)
            }
            // The whole row's bytes after its one-byte header.
            #expect(bytes == Array(codec.encode([rows[0]]).dropFirst()))
            bytes.withUnsafeBytes { kept in
                var last = [Int64?](repeating: 0, count: 3)
                var peak = [Int64?](repeating: 0, count: 1)
                last.withUnsafeMutableBufferPointer { last in
                    peak.withUnsafeMutableBufferPointer { peak in codec.decode(kept, row, last: last, peak: peak) }
                }
                #expect(RowValues(last: last, peak: peak) == rows[0].1)
            }
        }
        // A row may not name a column it leaves out.
        #expect(throws: HistoryError.self) { try codec.decode(Data([2, 0b1_0010, 24]), sample: 1) }
    }
}
