import Foundation
import TCPDoctorCapture
import TCPDoctorCore
import Testing

/// Captures recorded on loopback by Fixtures/record.py, read back against what tshark 4.0 decoded
/// from the same files when they were recorded.
struct FixtureTests {
    /// One packet as tshark printed it: number, epoch ns, ports, raw seq/ack, flags, length, window.
    struct Row: Equatable, CustomStringConvertible {
        var number: UInt64
        var time: Int64
        var sourcePort: UInt16
        var destinationPort: UInt16
        var sequence: UInt32
        var acknowledgment: UInt32
        var flags: UInt16
        var length: UInt32
        var window: UInt16

        init(
            _ number: UInt64,
            _ time: Int64,
            _ sourcePort: UInt16,
            _ destinationPort: UInt16,
            _ sequence: UInt32,
            _ acknowledgment: UInt32,
            _ flags: UInt16,
            _ length: UInt32,
            _ window: UInt16
        ) {
            (self.number, self.time, self.sourcePort, self.destinationPort) = (
                number, time, sourcePort, destinationPort
            )
            (self.sequence, self.acknowledgment, self.flags, self.length, self.window) =
                (sequence, acknowledgment, flags, length, window)
        }

        init(_ segment: TCPSegment) {
            self.init(
                segment.packetNumber,
                segment.timestampNanoseconds,
                segment.source.port,
                segment.destination.port,
                segment.sequence,
                // tshark prints 0 for the acknowledgment field of a SYN without ACK.
                segment.flags.contains(.ack) ? segment.acknowledgment : 0,
                segment.flags.rawValue,
                segment.payloadLength,
                segment.window
            )
        }

        var description: String { "#\(number) \(sourcePort)>\(destinationPort) flags \(flags) len \(length)" }
    }

    static let expected: [String: [Row]] = [
        "lo-ipv4-client-close.pcap": [
            Row(1, 1_795_319_552_740_808_000, 32964, 59201, 1_050_137_852, 0, 0x002, 0, 65495),
            Row(2, 1_795_319_552_740_822_000, 59201, 32964, 61_749_981, 1_050_137_853, 0x012, 0, 65483),
            Row(3, 1_795_319_552_740_835_000, 32964, 59201, 1_050_137_853, 61_749_982, 0x010, 0, 64),
            Row(4, 1_795_319_552_740_957_000, 32964, 59201, 1_050_137_853, 61_749_982, 0x018, 18, 64),
            Row(5, 1_795_319_552_740_964_000, 59201, 32964, 61_749_982, 1_050_137_871, 0x010, 0, 64),
            Row(6, 1_795_319_552_740_993_000, 59201, 32964, 61_749_982, 1_050_137_871, 0x018, 24, 64),
            Row(7, 1_795_319_552_740_997_000, 32964, 59201, 1_050_137_871, 61_750_006, 0x010, 0, 64),
            Row(8, 1_795_319_552_741_011_000, 32964, 59201, 1_050_137_871, 61_750_006, 0x011, 0, 64),
            Row(9, 1_795_319_552_741_026_000, 59201, 32964, 61_750_006, 1_050_137_872, 0x011, 0, 64),
            Row(10, 1_795_319_552_741_039_000, 32964, 59201, 1_050_137_872, 61_750_007, 0x010, 0, 64),
        ],
        "any-ipv6-server-close.pcap": [
            Row(1, 1_795_319_554_807_480_067, 49980, 33393, 551_059_033, 0, 0x002, 0, 65476),
            Row(2, 1_795_319_554_807_498_181, 33393, 49980, 1_255_556_773, 551_059_034, 0x012, 0, 65464),
            Row(3, 1_795_319_554_807_516_365, 49980, 33393, 551_059_034, 1_255_556_774, 0x010, 0, 64),
            Row(4, 1_795_319_554_807_578_270, 49980, 33393, 551_059_034, 1_255_556_774, 0x018, 4, 64),
            Row(5, 1_795_319_554_807_587_057, 33393, 49980, 1_255_556_774, 551_059_038, 0x010, 0, 64),
            Row(6, 1_795_319_554_807_609_218, 33393, 49980, 1_255_556_774, 551_059_038, 0x018, 4, 64),
            Row(7, 1_795_319_554_807_614_678, 49980, 33393, 551_059_038, 1_255_556_778, 0x010, 0, 64),
            Row(8, 1_795_319_554_807_633_083, 33393, 49980, 1_255_556_778, 551_059_038, 0x011, 0, 64),
            Row(9, 1_795_319_554_850_884_590, 49980, 33393, 551_059_038, 1_255_556_779, 0x010, 0, 64),
            Row(10, 1_795_319_555_307_848_307, 49980, 33393, 551_059_038, 1_255_556_779, 0x011, 0, 64),
            Row(11, 1_795_319_555_307_863_214, 33393, 49980, 1_255_556_779, 551_059_039, 0x010, 0, 64),
        ],
        "lo-ipv4-reset.pcapng": [
            Row(1, 1_795_319_557_357_087_167, 51390, 48355, 566_888_750, 0, 0x002, 0, 65495),
            Row(2, 1_795_319_557_357_096_654, 48355, 51390, 869_889_075, 566_888_751, 0x012, 0, 65483),
            Row(3, 1_795_319_557_357_107_134, 51390, 48355, 566_888_751, 869_889_076, 0x010, 0, 64),
            Row(4, 1_795_319_557_357_156_837, 51390, 48355, 566_888_751, 869_889_076, 0x018, 4, 64),
            Row(5, 1_795_319_557_357_162_207, 48355, 51390, 869_889_076, 566_888_755, 0x010, 0, 64),
            Row(6, 1_795_319_557_357_210_076, 51390, 48355, 566_888_755, 869_889_076, 0x014, 0, 64),
        ],
    ]

    static let shapes: [String: (format: CaptureFormat, linkType: LinkType, address: String)] = [
        "lo-ipv4-client-close.pcap": (.pcap, .ethernet, "127.0.0.1"),
        "any-ipv6-server-close.pcap": (.pcap, .linuxSLL2, "::1"),
        "lo-ipv4-reset.pcapng": (.pcapng, .ethernet, "127.0.0.1"),
    ]

    static func path(_ name: String) throws -> String {
        try #require(Bundle.module.path(forResource: "Fixtures/" + name, ofType: nil), "fixture \(name) missing")
    }

    @Test(arguments: ["lo-ipv4-client-close.pcap", "any-ipv6-server-close.pcap", "lo-ipv4-reset.pcapng"])
    func fixtureMatchesTshark(name: String) throws {
        let path = try Self.path(name)
        let shape = try #require(Self.shapes[name])
        var packets: [ReadPacket] = []
        #expect(
            try CaptureReader.forEachPacket(inFile: path, onPacket: { packets.append(ReadPacket($0)) }) == shape.format
        )
        #expect(packets.allSatisfy { $0.linkType == shape.linkType })
        var segments: [TCPSegment] = []
        var warnings: [CaptureError] = []
        let statistics = try CaptureReader.readSegments(
            from: path,
            onSegment: { segments.append($0) },
            onWarning: { warnings.append($0) }
        )
        #expect(warnings.isEmpty)
        #expect(statistics.packets == UInt64(packets.count))
        #expect(segments.map(Row.init) == Self.expected[name])
        let address = try #require(IPAddress(shape.address))
        #expect(segments.allSatisfy { $0.source.address == address && $0.destination.address == address })
        let syn = try #require(segments.first)
        #expect(syn.options.maximumSegmentSize == (address.family == .ipv6 ? 65_476 : 65_495))
        #expect(syn.options.sackPermitted)
        #expect(syn.options.timestamp != nil)
    }

    @Test func fixturesReadTheSameThroughAPipe() throws {
        // The same bytes through a FIFO: read(2) into a growing buffer, not pread(2).
        let path = try Self.path("lo-ipv4-reset.pcapng")
        let directory = try TemporaryDirectory()
        let fifo = directory.file("fixture.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(bytes)
                try? handle.close()
            }
        }
        writer.start()
        var segments: [TCPSegment] = []
        _ = try CaptureReader.readSegments(from: fifo, onSegment: { segments.append($0) })
        #expect(segments.map(Row.init) == Self.expected["lo-ipv4-reset.pcapng"])
    }
}
