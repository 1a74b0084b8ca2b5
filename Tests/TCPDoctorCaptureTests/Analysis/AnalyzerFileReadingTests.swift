import Foundation
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// `ConnectionAnalyzer.read(file:)`, where the decoder hands segments straight to the analyzer,
/// gives what reading the segments and processing them one by one gives.
struct AnalyzerFileReadingTests {
    /// Writes segments as a pcap file; `corruptTail` appends a record header that claims 4 GiB.
    private func write(_ segments: some Sequence<TCPSegment>, to path: String, corruptTail: Bool = false) throws {
        let writer = SegmentCaptureWriter(format: .pcap, linkType: .ethernet, byteOrder: .littleEndian)
        for segment in segments { try writer.write(segment) }
        var bytes = writer.bytes
        if corruptTail {
            let header: [UInt32] = [1_700_000_500, 0, 0xffff_fff0, 0xffff_fff0]
            for word in header { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    /// The reference: segments read with `readSegments`, renumbered, and processed one by one.
    private func processOneByOne(_ paths: [String]) throws -> (connections: [Connection], range: ClosedRange<Int64>?) {
        var analyzer = ConnectionAnalyzer(hashSeed: 11)
        var connections: [Connection] = []
        var offset: UInt64 = 0
        var first = Int64.max
        var last = Int64.min
        for path in paths {
            let statistics = try CaptureReader.readSegments(
                from: path,
                onSegment: { segment in
                    var renumbered = segment
                    renumbered.packetNumber += offset
                    first = min(first, segment.timestampNanoseconds)
                    last = max(last, segment.timestampNanoseconds)
                    analyzer.process(renumbered) { connections.append($0) }
                }
            )
            offset += statistics.packets
        }
        analyzer.finish(atEndNanoseconds: last) { connections.append($0) }
        return (connections, first <= last ? first...last : nil)
    }

    @Test func twoFilesReadAsOneCaptureGiveWhatProcessingTheirSegmentsGives() throws {
        let segments = AnalysisFastPathTests.segments()
        let half = segments.count / 2
        let directory = try TemporaryDirectory()
        let paths = [directory.file("part1.pcap"), directory.file("part2.pcap")]
        try write(segments[..<half], to: paths[0])
        try write(segments[half...], to: paths[1])

        var analyzer = ConnectionAnalyzer(hashSeed: 11)
        var connections: [Connection] = []
        var offset: UInt64 = 0
        var statistics = CaptureStatistics()
        for path in paths {
            let reading = analyzer.read(file: path, packetNumberOffset: offset) { connections.append($0) }
            #expect(reading.error == nil)
            statistics.add(reading.statistics)
            offset += reading.statistics.packets
        }
        let range = try #require(analyzer.timestampRange)
        analyzer.finish(atEndNanoseconds: range.upperBound) { connections.append($0) }

        let reference = try processOneByOne(paths)
        #expect(connections.count > 290)
        #expect(connections == reference.connections)
        #expect(range == reference.range)
        #expect(statistics.files == 2)
        #expect(statistics.packets == UInt64(segments.count))
        #expect(statistics.tcpSegments == UInt64(segments.count))
        // The second file's packets were numbered after the first's.
        #expect(connections.map(\.lastPacketNumber).max() == UInt64(segments.count))
    }

    @Test func aCorruptRecordStopsReadingAfterAnalyzingWhatCameBefore() throws {
        let segments = AnalysisFastPathTests.segments()
        let directory = try TemporaryDirectory()
        let corrupt = directory.file("corrupt.pcap")
        let intact = directory.file("intact.pcap")
        try write(segments, to: corrupt, corruptTail: true)
        try write(segments, to: intact)

        var analyzer = ConnectionAnalyzer(hashSeed: 11)
        var connections: [Connection] = []
        let reading = analyzer.read(file: corrupt) { connections.append($0) }
        let error = try #require(reading.error)
        #expect(error.code == .corruptBlock)
        #expect(error.packetNumber == UInt64(segments.count + 1))
        #expect(reading.statistics.files == 1)
        #expect(reading.statistics.packets == UInt64(segments.count))
        #expect(reading.statistics.tcpSegments == UInt64(segments.count))
        analyzer.finish(atEndNanoseconds: analyzer.timestampRange?.upperBound ?? 0) { connections.append($0) }
        #expect(connections == (try processOneByOne([intact])).connections)
    }

    @Test func anAnalyzerThatReadNothingHasNoTimestampRange() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("empty.pcap")
        try write([], to: path)
        var analyzer = ConnectionAnalyzer()
        let reading = analyzer.read(file: path) { _ in Issue.record("no connection expected") }
        #expect(reading.error == nil)
        #expect(reading.statistics.packets == 0)
        #expect(analyzer.timestampRange == nil)
    }
}
