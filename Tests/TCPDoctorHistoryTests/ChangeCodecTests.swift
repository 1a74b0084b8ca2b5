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
        #expect(ChangeCodec(.series).encode(rows).count <= 100 * 7)
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
}
