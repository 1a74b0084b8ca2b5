import Foundation
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// Regular files are read in chunks with pread(2), small records or large: either way a file
/// gives the packets of the same bytes read in memory.
struct FileReadTests {
    struct Shape: CustomTestStringConvertible {
        var frames: Int
        var length: Int
        var testDescription: String { "\(frames) frames of \(length) bytes" }
    }

    /// Small records, and large ones (which the reader once mapped after its first MiB).
    static let shapes = [Shape(frames: 3000, length: 1000), Shape(frames: 100, length: 60_000)]

    static func capture(_ shape: Shape) throws -> [UInt8] {
        let writer = PCAPWriter(linkType: .raw, byteOrder: .littleEndian, precision: .nanoseconds)
        for index in 0..<shape.frames {
            let frame = (0..<shape.length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            try writer.write(frame, timestampNanoseconds: 1_700_000_000_000_000_000 + Int64(index) * 1000)
        }
        return writer.bytes
    }

    @Test(arguments: shapes)
    func aFileGivesThePacketsOfItsBytes(shape: Shape) throws {
        let bytes = try Self.capture(shape)
        #expect(bytes.count > 2 * 1024 * 1024)
        let directory = try TemporaryDirectory()
        let path = directory.file("capture.pcap")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let fromFile = readPackets(file: path)
        let inMemory = readPackets(bytes)
        #expect(fromFile.error == nil)
        #expect(fromFile.packets.count == shape.frames)
        #expect(fromFile.packets == inMemory.packets)
        #expect(fromFile.warnings.isEmpty)
    }

    @Test(arguments: shapes)
    func aTruncatedFileWarnsAsInMemory(shape: Shape) throws {
        let bytes = Array(try Self.capture(shape).dropLast(10))
        let directory = try TemporaryDirectory()
        let path = directory.file("truncated.pcap")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let fromFile = readPackets(file: path)
        let inMemory = readPackets(bytes, name: path)
        #expect(fromFile.error == nil)
        #expect(fromFile.packets.count == shape.frames - 1)
        #expect(fromFile.packets == inMemory.packets)
        #expect(fromFile.warnings.count == 1)
        #expect(fromFile.warnings == inMemory.warnings)
    }

    @Test func segmentsOfAFileMatchMemoryAndProgressComesEvery65536Packets() throws {
        // Two progress marks' worth of Ethernet segments of one length, read through the path API
        // (the common decoder inlined into the file reader) and in memory.
        let count = 2 * 65_536 + 3
        let writer = SegmentCaptureWriter(format: .pcap, linkType: .ethernet)
        var segment = SampleSegments.data(length: 0, flags: .ack)
        for index in 0..<count {
            segment.sequence = UInt32(truncatingIfNeeded: index &* 7919)
            segment.timestampNanoseconds = 1_700_000_000_000_000_000 + Int64(index) * 1000
            segment.packetNumber = UInt64(index + 1)
            try writer.write(segment)
        }
        let bytes = writer.bytes
        let recordLength = (bytes.count - PCAPParser.fileHeaderLength) / count
        #expect(recordLength * count + PCAPParser.fileHeaderLength == bytes.count)
        let directory = try TemporaryDirectory()
        let path = directory.file("progress.pcap")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        var fromFile: [TCPSegment] = []
        var offsets: [Int64] = []
        let statistics = try CaptureReader.readSegments(
            from: path,
            onSegment: { fromFile.append($0) },
            onProgress: { offsets.append($0) }
        )
        let inMemory = try readSegments(bytes)
        #expect(fromFile.count == count)
        #expect(fromFile == inMemory.segments)
        #expect(statistics.packets == UInt64(count))
        #expect(statistics.tcpSegments == UInt64(count))
        #expect(statistics.capturedBytes == UInt64(count * (recordLength - PCAPParser.recordHeaderLength)))
        #expect(statistics == inMemory.statistics)
        // Packets 65536 and 131072, at the offsets of their records.
        #expect(offsets == [65_535, 131_071].map { Int64(PCAPParser.fileHeaderLength + $0 * recordLength) })
    }
}
