import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

/// One bad file: what the reader must say about it, and where.
struct BadInput: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var code: CaptureError.Code
    var byteOffset: Int64?
    /// A warning after which reading ended normally, rather than a thrown error.
    var isWarning = false
    /// Packets delivered before the problem.
    var packetsBefore = 0
    var messageContains: String

    var testDescription: String { name }
}

extension [UInt8] {
    /// A copy with a 32-bit value stored little-endian at `offset`, to corrupt a length field.
    func replacing(uint32 value: UInt32, at offset: Int) -> [UInt8] {
        var copy = self
        for index in 0..<4 { copy[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        return copy
    }
}

enum BadInputs {
    static let frame: [UInt8] = Array(0..<40)

    /// A little-endian pcap of two 40-byte packets: records at 24 and 80, file length 136.
    static var pcap: [UInt8] {
        let writer = PCAPWriter(linkType: .ethernet, byteOrder: .littleEndian, snapLength: 65_535)
        try? writer.write(frame, timestampNanoseconds: 1_000)
        try? writer.write(frame, timestampNanoseconds: 2_000)
        return writer.bytes
    }

    /// A little-endian pcapng: SHB (0..<28), IDB (28..<48), EPBs at 48 and 120 (72 bytes each).
    static var pcapng: [UInt8] {
        let writer = PCAPNGWriter(byteOrder: .littleEndian)
        writer.addInterface(linkType: .ethernet)
        try? writer.writeEnhancedPacket(frame, interface: 0, timestampNanoseconds: 1_000)
        try? writer.writeEnhancedPacket(frame, interface: 0, timestampNanoseconds: 2_000)
        return writer.bytes
    }

    static var all: [BadInput] {
        let pcap = pcap
        let pcapng = pcapng
        var idbWithBadOption = pcapng
        // The IDB (28..<48) grows by an option header at 44 that claims 200 bytes: length 20 -> 24.
        idbWithBadOption.replaceSubrange(44..<48, with: [9, 0, 200, 0, 24, 0, 0, 0])
        idbWithBadOption = idbWithBadOption.replacing(uint32: 24, at: 32)
        // The IDB grows by an if_tsresol option of 2 bytes (padded to 4): length 20 -> 28.
        var idbWithLongTsresol = pcapng
        idbWithLongTsresol.replaceSubrange(44..<48, with: [9, 0, 2, 0, 6, 0, 0, 0, 28, 0, 0, 0])
        idbWithLongTsresol = idbWithLongTsresol.replacing(uint32: 28, at: 32)
        let spbFirst: [UInt8] = {
            let writer = PCAPNGWriter(byteOrder: .littleEndian)
            try? writer.writeSimplePacket(frame)
            return writer.bytes
        }()
        return [
            BadInput(name: "empty file", bytes: [], code: .emptyFile, byteOffset: nil, messageContains: "empty"),
            BadInput(
                name: "three bytes",
                bytes: [1, 2, 3],
                code: .notACapture,
                byteOffset: 0,
                messageContains: "only 3 bytes"
            ),
            BadInput(
                name: "text file",
                bytes: Array("GET / HTTP/1.1\r\n".utf8),
                code: .notACapture,
                byteOffset: 0,
                messageContains: "47 45 54 20"
            ),
            BadInput(
                name: "gzip",
                bytes: [0x1f, 0x8b, 8, 0, 0, 0],
                code: .notACapture,
                byteOffset: 0,
                messageContains: "gzip"
            ),
            BadInput(
                name: "pcap header cut",
                bytes: Array(pcap.prefix(10)),
                code: .truncated,
                byteOffset: 0,
                messageContains: "24-byte pcap file header"
            ),
            BadInput(
                name: "pcap version 3",
                bytes: pcap.replacing(uint32: 3, at: 4),
                code: .unsupportedVersion,
                byteOffset: 4,
                messageContains: "3.0"
            ),
            BadInput(
                name: "pcap last record cut in its data",
                bytes: Array(pcap.prefix(130)),
                code: .truncated,
                byteOffset: 80,
                isWarning: true,
                packetsBefore: 1,
                messageContains: "56-byte record (50 bytes present)"
            ),
            BadInput(
                name: "pcap last record cut in its header",
                bytes: Array(pcap.prefix(90)),
                code: .truncated,
                byteOffset: 80,
                isWarning: true,
                packetsBefore: 1,
                messageContains: "16-byte record header"
            ),
            BadInput(
                name: "pcap record length 2 GiB",
                bytes: pcap.replacing(uint32: 0x7fff_ffff, at: 80 + 8),
                code: .corruptBlock,
                byteOffset: 80,
                packetsBefore: 1,
                messageContains: "2147483647 captured bytes"
            ),
            BadInput(
                name: "pcap record length above snaplen and maximum",
                bytes: pcap.replacing(uint32: 300_000, at: 24 + 8),
                code: .corruptBlock,
                byteOffset: 24,
                messageContains: "snaplen 65535"
            ),
            BadInput(
                name: "pcap record of 16 MiB under a 4 GiB snaplen",
                bytes: pcap.replacing(uint32: .max, at: 16).replacing(uint32: 16 << 20, at: 24 + 8),
                code: .corruptBlock,
                byteOffset: 24,
                messageContains: "16777216 captured bytes"
            ),
            BadInput(
                name: "pcapng block shorter than its minimum",
                bytes: pcapng.replacing(uint32: 16, at: 48 + 4),
                code: .corruptBlock,
                byteOffset: 48,
                messageContains: "less than the minimum 32"
            ),
            BadInput(
                name: "pcapng block length not a multiple of 4",
                bytes: pcapng.replacing(uint32: 70, at: 120 + 4),
                code: .corruptBlock,
                byteOffset: 120,
                packetsBefore: 1,
                messageContains: "not a multiple of 4"
            ),
            BadInput(
                name: "pcapng block length above 16 MiB",
                bytes: pcapng.replacing(uint32: 0x4000_0000, at: 120 + 4),
                code: .corruptBlock,
                byteOffset: 120,
                packetsBefore: 1,
                messageContains: "limit"
            ),
            BadInput(
                name: "pcapng trailing length differs",
                bytes: pcapng.replacing(uint32: 76, at: 48 + 68),
                code: .corruptBlock,
                byteOffset: 48,
                messageContains: "trailing copy 76"
            ),
            BadInput(
                name: "pcapng last block cut",
                bytes: Array(pcapng.prefix(150)),
                code: .truncated,
                byteOffset: 120,
                isWarning: true,
                packetsBefore: 1,
                messageContains: "72-byte block (30 bytes present)"
            ),
            BadInput(
                name: "pcapng block length larger than the rest of the file",
                bytes: pcapng.replacing(uint32: 1_000, at: 120 + 4),
                code: .truncated,
                byteOffset: 120,
                isWarning: true,
                packetsBefore: 1,
                messageContains: "1000-byte block"
            ),
            BadInput(
                name: "pcapng byte-order magic wrong",
                bytes: pcapng.replacing(uint32: 0x1234_5678, at: 8),
                code: .notACapture,
                byteOffset: 8,
                messageContains: "78 56 34 12"
            ),
            BadInput(
                name: "pcapng second section with a wrong byte-order magic",
                bytes: pcapng + Array(pcapng.prefix(28)).replacing(uint32: 0, at: 8),
                code: .corruptBlock,
                byteOffset: 192 + 8,
                packetsBefore: 2,
                messageContains: "byte-order magic"
            ),
            BadInput(
                name: "pcapng version 2",
                bytes: pcapng.replacing(uint32: 2, at: 12),
                code: .unsupportedVersion,
                byteOffset: 12,
                messageContains: "2.0"
            ),
            BadInput(
                name: "pcapng first block cut",
                bytes: Array(pcapng.prefix(20)),
                code: .truncated,
                byteOffset: 0,
                messageContains: "first Section Header Block"
            ),
            BadInput(
                name: "pcapng packet on an undeclared interface",
                bytes: pcapng.replacing(uint32: 5, at: 120 + 8),
                code: .corruptBlock,
                byteOffset: 120,
                packetsBefore: 1,
                messageContains: "interface 5"
            ),
            BadInput(
                name: "pcapng captured length beyond the block",
                bytes: pcapng.replacing(uint32: 41, at: 48 + 20),
                code: .corruptBlock,
                byteOffset: 48,
                messageContains: "claims 41 captured bytes"
            ),
            BadInput(
                name: "pcapng simple packet before any interface",
                bytes: spbFirst,
                code: .corruptBlock,
                byteOffset: 28,
                messageContains: "before any Interface"
            ),
            BadInput(
                name: "pcapng interface option past its block",
                bytes: idbWithBadOption,
                code: .corruptBlock,
                byteOffset: 44,
                messageContains: "option 9 of 200 bytes"
            ),
            BadInput(
                name: "pcapng if_tsresol of 2 bytes",
                bytes: idbWithLongTsresol,
                code: .corruptBlock,
                byteOffset: 44,
                messageContains: "if_tsresol option has 2 bytes"
            ),
        ]
    }
}

struct BadInputTests {
    @Test(arguments: BadInputs.all)
    func reportsCodeAndOffset(_ input: BadInput) throws {
        for chunkLength in [nil, 1, 7, 64] as [Int?] {
            let result = readPackets(input.bytes, name: "bad.cap", chunkLength: chunkLength)
            let problem: CaptureError
            if input.isWarning {
                #expect(result.error == nil)
                #expect(result.warnings.count == 1)
                problem = try #require(result.warnings.first)
            } else {
                #expect(result.warnings.isEmpty)
                problem = try #require(result.error)
            }
            #expect(problem.code == input.code, "\(problem)")
            #expect(problem.byteOffset == input.byteOffset, "\(problem)")
            #expect(problem.file == "bad.cap")
            #expect(problem.message.contains(input.messageContains), "\(problem.message)")
            #expect(result.packets.count == input.packetsBefore)
        }
    }

    @Test func zeroLengthFileOnDisk() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("empty.pcap")
        #expect(FileManagerShim.create(path, bytes: []))
        let result = readPackets(file: path)
        #expect(result.error?.code == .emptyFile)
        #expect(result.error?.description == "\(path): the file is empty (0 bytes)")
    }

    @Test func missingFileIsAnIOError() {
        let result = readPackets(file: "/nonexistent/capture.pcap")
        #expect(result.error?.code == .io)
        #expect(result.error?.errno == 2)
        #expect(result.error?.message.contains("No such file") == true)
    }

    @Test func directoryIsAnIOError() throws {
        let directory = try TemporaryDirectory()
        let result = readPackets(file: directory.path)
        #expect(result.error?.code == .io)
        #expect(result.error?.errno == 21)  // EISDIR
        #expect(result.error?.description == "\(directory.path): byte offset 0: cannot read: Is a directory")
    }

    @Test func garbageLinkLayerBytesAreWarnedPerPacket() throws {
        let writer = PCAPWriter(linkType: .raw)
        try writer.write([0x7f, 1, 2, 3], timestampNanoseconds: 0)  // version 7
        let ethernet = PCAPWriter(linkType: .ethernet)
        try ethernet.write([1, 2, 3, 4, 5], timestampNanoseconds: 0)  // shorter than 14 bytes
        let unknown = PCAPWriter(linkType: LinkType(rawValue: 147))
        try unknown.write([1, 2, 3], timestampNanoseconds: 0)
        try unknown.write([1, 2, 3], timestampNanoseconds: 0)

        let raw = try readSegments(writer.bytes)
        #expect(raw.statistics.malformed == 1)
        #expect(raw.warnings.map(\.code) == [.malformedPacket])
        #expect(raw.warnings.first?.packetNumber == 1)
        #expect(raw.warnings.first?.byteOffset == 24)
        #expect(raw.warnings.first?.message == "RAW packet has IP version 7, neither 4 nor 6")

        let short = try readSegments(ethernet.bytes)
        #expect(short.statistics.malformed == 1)
        #expect(short.warnings.first?.message == "the 5-byte frame is shorter than a ETHERNET link-layer header")

        let unsupported = try readSegments(unknown.bytes)
        #expect(unsupported.statistics.unsupportedLinkType == 2)
        #expect(unsupported.warnings.map(\.code) == [.unsupportedLinkType])
    }

    @Test func manyMalformedPacketsAreSummarised() throws {
        let writer = PCAPWriter(linkType: .raw)
        for _ in 0..<12 { try writer.write([0x10], timestampNanoseconds: 0) }
        let result = try readSegments(writer.bytes)
        #expect(result.statistics.malformed == 12)
        #expect(result.warnings.count == 6)
        #expect(result.warnings.last?.message == "7 more malformed packets were counted and skipped")
    }
}
