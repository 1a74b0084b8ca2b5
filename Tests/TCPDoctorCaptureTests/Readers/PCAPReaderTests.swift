import Foundation
import Glibc
import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

struct PCAPReaderTests {
    static let frames: [[UInt8]] = [
        Array(0..<60),
        Array(repeating: 0xab, count: 1),
        Array((0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }),
    ]
    static let timestamps: [Int64] = [1_700_000_000_123_456_789, 1_700_000_001_000_000_999, 4_000_000_000_999_999_000]

    struct Variant: CustomTestStringConvertible {
        var byteOrder: CaptureByteOrder
        var precision: PCAPWriter.Precision
        var testDescription: String { "\(byteOrder) \(precision)" }
    }

    static let variants = [
        Variant(byteOrder: .littleEndian, precision: .microseconds),
        Variant(byteOrder: .bigEndian, precision: .microseconds),
        Variant(byteOrder: .littleEndian, precision: .nanoseconds),
        Variant(byteOrder: .bigEndian, precision: .nanoseconds),
    ]

    /// The packets a reader must return for `frames` written with a 200-byte snaplen.
    static func expected(_ variant: Variant, linkType: LinkType) -> [ReadPacket] {
        var offset: Int64 = 24
        return zip(frames, timestamps).enumerated().map { index, pair in
            let (frame, timestamp) = pair
            let captured = Array(frame.prefix(200))
            let truncatedTime = variant.precision == .nanoseconds ? timestamp : timestamp / 1000 * 1000
            defer { offset += 16 + Int64(captured.count) }
            return ReadPacket(
                bytes: captured,
                linkType: linkType,
                timestampNanoseconds: truncatedTime,
                originalLength: UInt32(frame.count),
                packetNumber: UInt64(index + 1),
                fileOffset: offset,
                interfaceIndex: 0
            )
        }
    }

    static func write(_ variant: Variant, linkType: LinkType) throws -> [UInt8] {
        let writer = PCAPWriter(
            linkType: linkType,
            byteOrder: variant.byteOrder,
            precision: variant.precision,
            snapLength: 200
        )
        for (frame, timestamp) in zip(frames, timestamps) {
            try writer.write(frame, timestampNanoseconds: timestamp)
        }
        return writer.bytes
    }

    @Test(arguments: variants)
    func readsEveryFieldBack(_ variant: Variant) throws {
        let bytes = try Self.write(variant, linkType: .linuxSLL2)
        let magic = variant.precision == .nanoseconds ? [0xa1, 0xb2, 0x3c, 0x4d] : [0xa1, 0xb2, 0xc3, 0xd4] as [UInt8]
        #expect(Array(bytes.prefix(4)) == (variant.byteOrder == .bigEndian ? magic : magic.reversed()))
        let result = readPackets(bytes)
        #expect(result.error == nil)
        #expect(result.warnings.isEmpty)
        #expect(result.packets == Self.expected(variant, linkType: .linuxSLL2))
    }

    @Test(arguments: [1, 3, 16, 17, 24, 40, 4096])
    func chunkedInputGivesTheSamePackets(chunkLength: Int) throws {
        let variant = Self.variants[3]
        let bytes = try Self.write(variant, linkType: .ethernet)
        let result = readPackets(bytes, chunkLength: chunkLength)
        #expect(result.error == nil)
        #expect(result.packets == Self.expected(variant, linkType: .ethernet))
    }

    @Test func readsAFileThroughItsMemoryMap() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("three.pcap")
        let writer = try PCAPWriter(
            path: path,
            linkType: .raw,
            byteOrder: .bigEndian,
            precision: .nanoseconds,
            snapLength: 200
        )
        for (frame, timestamp) in zip(Self.frames, Self.timestamps) {
            try writer.write(frame, timestampNanoseconds: timestamp)
        }
        try writer.finish()
        var packets: [ReadPacket] = []
        let format = try CaptureReader.forEachPacket(inFile: path, onPacket: { packets.append(ReadPacket($0)) })
        #expect(format == .pcap)
        #expect(packets == Self.expected(Self.variants[3], linkType: .raw))
    }

    @Test func readsAPipeInChunks() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.file("capture.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let bytes = try Self.write(Self.variants[0], linkType: .ethernet)
        // The writer thread opens the FIFO for writing; opening it for reading below meets it.
        let writerThread = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(bytes))
                try? handle.close()
            }
        }
        writerThread.start()
        let result = readPackets(file: fifo)
        #expect(result.error == nil)
        #expect(result.packets == Self.expected(Self.variants[0], linkType: .ethernet))
    }

    @Test func readsStandardInputForADash() throws {
        let bytes = try Self.write(Self.variants[1], linkType: .ethernet)
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        // Standard input is this process's descriptor 0: point it at the pipe for the read, then
        // put it back. No other test reads standard input.
        let saved = dup(0)
        #expect(dup2(ends[0], 0) == 0)
        close(ends[0])
        defer {
            dup2(saved, 0)
            close(saved)
        }
        let writeEnd = ends[1]
        let writer = Thread {
            _ = bytes.withUnsafeBytes { Glibc.write(writeEnd, $0.baseAddress, $0.count) }
            close(writeEnd)
        }
        writer.start()
        let result = readPackets(file: "-")
        #expect(result.error == nil)
        #expect(result.packets == Self.expected(Self.variants[1], linkType: .ethernet))
    }

    @Test func largeSnaplenIsNotAllocated() throws {
        // A snaplen of 4 GiB - 1 is legal in the header; the reader must not size anything by it.
        let writer = PCAPWriter(linkType: .ethernet, snapLength: .max)
        try writer.write(Self.frames[0], timestampNanoseconds: 0)
        let result = readPackets(writer.bytes)
        #expect(result.error == nil)
        #expect(result.packets.count == 1)
        #expect(result.packets.first?.bytes == Self.frames[0])
    }

    @Test func headerOnlyFileHasNoPackets() {
        let result = readPackets(PCAPWriter(linkType: .ethernet).bytes)
        #expect(result.error == nil)
        #expect(result.warnings.isEmpty)
        #expect(result.packets.isEmpty)
    }
}
