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
            (self.number, self.time, self.sourcePort, self.destinationPort) = (number, time, sourcePort, destinationPort)
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
            Row(1, 1795319552740808000, 32964, 59201, 1050137852, 0, 0x002, 0, 65495),
            Row(2, 1795319552740822000, 59201, 32964, 61749981, 1050137853, 0x012, 0, 65483),
            Row(3, 1795319552740835000, 32964, 59201, 1050137853, 61749982, 0x010, 0, 64),
            Row(4, 1795319552740957000, 32964, 59201, 1050137853, 61749982, 0x018, 18, 64),
            Row(5, 1795319552740964000, 59201, 32964, 61749982, 1050137871, 0x010, 0, 64),
            Row(6, 1795319552740993000, 59201, 32964, 61749982, 1050137871, 0x018, 24, 64),
            Row(7, 1795319552740997000, 32964, 59201, 1050137871, 61750006, 0x010, 0, 64),
            Row(8, 1795319552741011000, 32964, 59201, 1050137871, 61750006, 0x011, 0, 64),
            Row(9, 1795319552741026000, 59201, 32964, 61750006, 1050137872, 0x011, 0, 64),
            Row(10, 1795319552741039000, 32964, 59201, 1050137872, 61750007, 0x010, 0, 64),
        ],
        "any-ipv6-server-close.pcap": [
            Row(1, 1795319554807480067, 49980, 33393, 551059033, 0, 0x002, 0, 65476),
            Row(2, 1795319554807498181, 33393, 49980, 1255556773, 551059034, 0x012, 0, 65464),
            Row(3, 1795319554807516365, 49980, 33393, 551059034, 1255556774, 0x010, 0, 64),
            Row(4, 1795319554807578270, 49980, 33393, 551059034, 1255556774, 0x018, 4, 64),
            Row(5, 1795319554807587057, 33393, 49980, 1255556774, 551059038, 0x010, 0, 64),
            Row(6, 1795319554807609218, 33393, 49980, 1255556774, 551059038, 0x018, 4, 64),
            Row(7, 1795319554807614678, 49980, 33393, 551059038, 1255556778, 0x010, 0, 64),
            Row(8, 1795319554807633083, 33393, 49980, 1255556778, 551059038, 0x011, 0, 64),
            Row(9, 1795319554850884590, 49980, 33393, 551059038, 1255556779, 0x010, 0, 64),
            Row(10, 1795319555307848307, 49980, 33393, 551059038, 1255556779, 0x011, 0, 64),
            Row(11, 1795319555307863214, 33393, 49980, 1255556779, 551059039, 0x010, 0, 64),
        ],
        "lo-ipv4-reset.pcapng": [
            Row(1, 1795319557357087167, 51390, 48355, 566888750, 0, 0x002, 0, 65495),
            Row(2, 1795319557357096654, 48355, 51390, 869889075, 566888751, 0x012, 0, 65483),
            Row(3, 1795319557357107134, 51390, 48355, 566888751, 869889076, 0x010, 0, 64),
            Row(4, 1795319557357156837, 51390, 48355, 566888751, 869889076, 0x018, 4, 64),
            Row(5, 1795319557357162207, 48355, 51390, 869889076, 566888755, 0x010, 0, 64),
            Row(6, 1795319557357210076, 51390, 48355, 566888755, 869889076, 0x014, 0, 64),
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
        #expect(try CaptureReader.forEachPacket(inFile: path, onPacket: { packets.append(ReadPacket($0)) }) == shape.format)
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
        // The same bytes through a FIFO: the chunked reader, not the memory map.
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
