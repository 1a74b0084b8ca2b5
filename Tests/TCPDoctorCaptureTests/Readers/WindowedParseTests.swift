import Foundation
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// The in-memory reader parses 64 MiB windows and the pipe reader grows its buffer for large
/// blocks; these tests exercise both boundaries with small windows and one large block.
struct WindowedParseTests {
    static func readMapped(_ bytes: [UInt8], windowLength: Int) -> ReadResult {
        var result = ReadResult()
        var parser = DetectingParser(file: "test.pcap")
        do {
            try bytes.withUnsafeBytes { buffer in
                Result { () throws(CaptureError) in
                    try ClosureSink.with({ result.packets.append(ReadPacket($0)) }) { (sink) throws(CaptureError) in
                        try CaptureReader.parseMapped(
                            buffer,
                            with: &parser,
                            into: &sink,
                            onWarning: { result.warnings.append($0) },
                            windowLength: windowLength
                        )
                    }
                }
            }.get()
        } catch {
            result.error = error
        }
        return result
    }

    @Test(arguments: [1, 12, 13, 100, 4096])
    func smallWindowsGiveTheSamePackets(windowLength: Int) throws {
        for firstOrder in CaptureByteOrder.allCases {
            let (bytes, expected) = try PCAPNGReaderTests.mixedCapture(firstOrder: firstOrder)
            let result = Self.readMapped(bytes, windowLength: windowLength)
            #expect(result.error == nil)
            #expect(result.packets == expected)
        }
        let truncated = Array(try PCAPReaderTests.write(PCAPReaderTests.variants[2], linkType: .raw).dropLast(7))
        let whole = readPackets(truncated)
        let windowed = Self.readMapped(truncated, windowLength: windowLength)
        #expect(windowed.packets == whole.packets)
        #expect(windowed.warnings == whole.warnings)
        #expect(windowed.warnings.count == 1)
    }

    @Test func aBlockLargerThanTheChunkBufferGrowsIt() throws {
        // A 6 MiB block the reader skips, between two packets, read from a pipe whose chunk
        // buffer starts at 4 MiB.
        let writer = PCAPNGWriter()
        writer.addInterface(linkType: .raw)
        let frame = PacketBuilder(linkType: .raw).frame(for: SampleSegments.syn())
        try writer.writeEnhancedPacket(frame, interface: 0, timestampNanoseconds: 1)
        try writer.writeBlock(type: 0x4000_0bad, body: [UInt8](repeating: 0x55, count: 6 << 20))
        try writer.writeEnhancedPacket(frame, interface: 0, timestampNanoseconds: 2)
        let directory = try TemporaryDirectory()
        let fifo = directory.file("large.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let bytes = writer.bytes
        let thread = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(bytes))
                try? handle.close()
            }
        }
        thread.start()
        let result = readPackets(file: fifo)
        #expect(result.error == nil)
        #expect(result.packets.map(\.timestampNanoseconds) == [0, 0])
        #expect(result.packets.map(\.bytes) == [frame, frame])
        #expect(result.packets.last?.fileOffset == Int64(bytes.count - 12 - 20 - (frame.count + 3) / 4 * 4))
    }
}
