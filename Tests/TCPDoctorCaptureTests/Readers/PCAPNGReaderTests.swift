import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

struct PCAPNGReaderTests {
    /// Two sections of opposite byte order; interfaces of different link types, resolutions and
    /// offsets; every packet block type; blocks the reader must skip. Returns the file and the
    /// packets a reader must see in it.
    static func mixedCapture(firstOrder: CaptureByteOrder) throws -> (bytes: [UInt8], expected: [ReadPacket]) {
        let secondOrder: CaptureByteOrder = firstOrder == .littleEndian ? .bigEndian : .littleEndian
        let writer = PCAPNGWriter(byteOrder: firstOrder)
        var expected: [ReadPacket] = []
        func expect(
            _ bytes: [UInt8],
            _ linkType: LinkType,
            _ time: Int64,
            _ original: Int,
            _ interface: UInt32,
            at offset: Int
        ) {
            expected.append(
                ReadPacket(
                    bytes: bytes,
                    linkType: linkType,
                    timestampNanoseconds: time,
                    originalLength: UInt32(original),
                    packetNumber: UInt64(expected.count + 1),
                    fileOffset: Int64(offset),
                    interfaceIndex: interface
                )
            )
        }
        let frameA: [UInt8] = Array(0..<61)  // odd length: padding follows
        let frameB: [UInt8] = Array(repeating: 0x5a, count: 100)
        let frameC: [UInt8] = [0x45, 0, 0, 20]

        let ethernet = writer.addInterface(linkType: .ethernet, name: "eth0")
        let sll2 = writer.addInterface(linkType: .linuxSLL2, timestampResolution: .nanoseconds)
        let raw = writer.addInterface(
            linkType: .raw,
            timestampResolution: .binary(10),
            timestampOffsetSeconds: 1_000
        )
        try writer.writeBlock(type: 4, body: [0, 0, 0, 0])  // Name Resolution Block, empty
        var offset = writer.bytes.count
        try writer.writeEnhancedPacket(
            frameA,
            interface: ethernet,
            timestampNanoseconds: 1_700_000_000_123_456_789,
            comment: "hello"
        )
        expect(frameA, .ethernet, 1_700_000_000_123_456_000, 61, 0, at: offset)
        offset = writer.bytes.count
        try writer.writeEnhancedPacket(frameB, interface: sll2, timestampNanoseconds: 1_700_000_001_987_654_321)
        expect(frameB, .linuxSLL2, 1_700_000_001_987_654_321, 100, 1, at: offset)
        try writer.writeBlock(type: 0x0000_0BAD, body: [1, 2, 3, 4, 5])  // custom block
        try writer.writeBlock(type: 0x7fff_1234, body: [])  // unknown type
        offset = writer.bytes.count
        // 2^-10 s units: 1_700_000_002.5 s, plus the interface's 1000 s offset.
        try writer.writeEnhancedPacket(frameC, interface: raw, timestampUnits: 1_700_000_002 * 1024 + 512)
        expect(frameC, .raw, 1_700_001_002_500_000_000, 4, 2, at: offset)
        offset = writer.bytes.count
        try writer.writeObsoletePacket(
            frameA,
            interface: UInt16(sll2),
            timestampNanoseconds: 1_700_000_004_000_000_001,
            originalLength: 1_514
        )
        expect(frameA, .linuxSLL2, 1_700_000_004_000_000_001, 1_514, 1, at: offset)
        offset = writer.bytes.count
        try writer.writeSimplePacket(frameC)
        // No timestamp in a Simple Packet Block: the previous packet's.
        expect(frameC, .ethernet, 1_700_000_004_000_000_001, 4, 0, at: offset)
        try writer.writeBlock(type: 5, body: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])  // Interface Statistics

        writer.beginSection(byteOrder: secondOrder)
        let ipv4 = writer.addInterface(linkType: .ipv4, snapLength: 64)
        offset = writer.bytes.count
        try writer.writeSimplePacket(frameB)
        // Interface 0's snaplen of 64 cuts the 100-byte packet.
        expect(Array(frameB.prefix(64)), .ipv4, 1_700_000_004_000_000_001, 100, 0, at: offset)
        offset = writer.bytes.count
        try writer.writeEnhancedPacket(frameB, interface: ipv4, timestampNanoseconds: 1_700_000_005_000_001_000)
        expect(Array(frameB.prefix(64)), .ipv4, 1_700_000_005_000_001_000, 100, 0, at: offset)
        return (writer.bytes, expected)
    }

    @Test(arguments: CaptureByteOrder.allCases)
    func readsSectionsInterfacesAndEveryPacketBlock(firstOrder: CaptureByteOrder) throws {
        let (bytes, expected) = try Self.mixedCapture(firstOrder: firstOrder)
        // Both byte orders of the byte-order magic are in the file: two sections of each order.
        let magic: [UInt8] = [0x1a, 0x2b, 0x3c, 0x4d]
        #expect(bytes.firstRange(of: magic) != nil)
        #expect(bytes.firstRange(of: Array(magic.reversed())) != nil)
        let result = readPackets(bytes, name: "mixed.pcapng")
        #expect(result.error == nil)
        #expect(result.warnings.isEmpty)
        #expect(result.packets.count == expected.count)
        for (read, wanted) in zip(result.packets, expected) {
            #expect(read == wanted)
        }
    }

    @Test(arguments: [1, 5, 12, 13, 64, 1000])
    func chunkedInputGivesTheSamePackets(chunkLength: Int) throws {
        let (bytes, expected) = try Self.mixedCapture(firstOrder: .bigEndian)
        let result = readPackets(bytes, chunkLength: chunkLength)
        #expect(result.error == nil)
        #expect(result.packets == expected)
    }

    @Test func resolutionsConvertExactly() throws {
        // (if_tsresol, units, expected nanoseconds without offset)
        let cases: [(PCAPNGTimestampResolution, UInt64, Int64)] = [
            (.decimal(0), 5, 5_000_000_000),
            (.decimal(3), 1_700_000_000_123, 1_700_000_000_123_000_000),
            (.microseconds, 1_700_000_000_123_456, 1_700_000_000_123_456_000),
            (.nanoseconds, 1_700_000_000_123_456_789, 1_700_000_000_123_456_789),
            (.decimal(12), 1_700_000_000_123_456_789, 1_700_000_000_123_456),
            (.binary(0), 7, 7_000_000_000),
            (.binary(10), 1_024 * 3 + 256, 3_250_000_000),
            (.binary(30), 1 << 30, 1_000_000_000),
            (.binary(64), 1 << 63, 500_000_000),
            (.binary(127), .max, 0),
            (.decimal(40), .max, 0),
            // Beyond Int64: clamped, not wrapped and not trapped.
            (.decimal(0), .max, .max),
            (.binary(0), .max, .max),
        ]
        for (resolution, units, nanoseconds) in cases {
            let writer = PCAPNGWriter()
            writer.addInterface(linkType: .raw, timestampResolution: resolution, timestampOffsetSeconds: -1)
            try writer.writeEnhancedPacket([0x45], interface: 0, timestampUnits: units)
            let result = readPackets(writer.bytes)
            let expected = nanoseconds == .max ? Int64.max - 1_000_000_000 : nanoseconds - 1_000_000_000
            #expect(result.packets.first?.timestampNanoseconds == expected, "\(resolution)")
        }
    }
}
