import Foundation
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// The corpus's encapsulations read by tshark, an independent dissector: for every packet, the
/// innermost addresses, ports, sequence number and payload length tshark finds must be those
/// tcpdoctor finds. This checks the hand-built headers as much as the decoder.
struct TSharkCrossCheckTests {
    @Test(arguments: ZeekCorpus.carriers.map(\.name))
    func innermostSegmentAgreesWithTshark(carrierName: String) throws {
        try #require(LiveCapture.toolExists(LiveCapture.tshark), "tshark is not installed")
        let carrier = try #require(ZeekCorpus.carriers.first { $0.name == carrierName })
        var c = Conversation(server: Endpoint(address: IPAddress(ipv4: 0x0a02_0001), port: 80))
        ZeekCorpus.whole(&c)
        let directory = try TemporaryDirectory()
        let path = directory.file("carrier.pcap")
        let writer = try PCAPWriter(path: path, linkType: carrier.linkType)
        let builder = PacketBuilder(linkType: .raw)
        for segment in c.segments {
            try writer.write(
                carrier.wrap(builder.frame(for: segment)),
                timestampNanoseconds: segment.timestampNanoseconds
            )
        }
        try writer.finish()
        var segments: [TCPSegment] = []
        _ = try CaptureReader.readSegments(from: path, onSegment: { segments.append($0) })
        let rows = try TShark.fields(
            ["frame.number", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.len"],
            of: path,
            lastOccurrence: true
        )
        try #require(rows.count == c.segments.count, "\(carrierName): tshark printed \(rows)")
        try #require(segments.count == c.segments.count, "\(carrierName): tcpdoctor read \(segments.count) segments")
        for (row, segment) in zip(rows, segments) {
            let mine = [
                "\(segment.packetNumber)", "\(segment.source.address)", "\(segment.destination.address)",
                "\(segment.source.port)", "\(segment.destination.port)", "\(segment.sequence)",
                "\(segment.payloadLength)",
            ]
            #expect(row == mine, "\(carrierName)")
        }
    }

    struct Frame: Sendable, CustomTestStringConvertible {
        var name: String
        var linkType: LinkType
        var bytes: [UInt8]
        var ipv6: Bool
        var testDescription: String { name }
    }

    /// The single frames of the decoding tests: every tunnel and stack variant, every link type.
    static let frames: [Frame] =
        TunnelDecodingTests.cases.map { Frame(name: $0.name, linkType: .ethernet, bytes: $0.frame, ipv6: $0.ipv6) }
        + LinkStackDecodingTests.cases.map {
            Frame(name: $0.name, linkType: $0.linkType, bytes: $0.frame, ipv6: $0.ipv6)
        }

    @Test(arguments: frames)
    func singleFrameAgreesWithTshark(frame: Frame) throws {
        try #require(LiveCapture.toolExists(LiveCapture.tshark), "tshark is not installed")
        let directory = try TemporaryDirectory()
        let path = directory.file("frame.pcap")
        let writer = try PCAPWriter(path: path, linkType: frame.linkType)
        try writer.write(frame.bytes, timestampNanoseconds: 1_700_000_000_000_000_000)
        try writer.finish()
        var segments: [TCPSegment] = []
        _ = try CaptureReader.readSegments(from: path, onSegment: { segments.append($0) })
        let address = frame.ipv6 ? "ipv6" : "ip"
        let rows = try TShark.fields(
            ["\(address).src", "\(address).dst", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.len"],
            of: path,
            lastOccurrence: true
        )
        let segment = try #require(segments.first, "\(frame.name): tcpdoctor read no segment")
        let mine = [
            "\(segment.source.address)", "\(segment.destination.address)", "\(segment.source.port)",
            "\(segment.destination.port)", "\(segment.sequence)", "\(segment.payloadLength)",
        ]
        #expect(rows == [mine], "\(frame.name)")
    }
}
