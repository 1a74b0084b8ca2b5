import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

struct PacketBuilderTests {
    /// The RFC 1071 one's-complement sum of 16-bit words, written independently of the builder.
    static func onesComplementSum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let high = UInt32(bytes[index])
            let low = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            sum += high << 8 | low
            sum = (sum & 0xffff) + (sum >> 16)
            index += 2
        }
        return UInt16(sum)
    }

    @Test(arguments: [false, true], [UInt32(0), 1, 999, 1_460])
    func checksumsVerify(ipv6: Bool, payloadLength: UInt32) {
        let source = ipv6 ? SampleSegments.client6 : SampleSegments.client
        let destination = ipv6 ? SampleSegments.server6 : SampleSegments.server
        let segment = SampleSegments.data(from: source, to: destination, length: payloadLength)
        let payload = (0..<Int(payloadLength)).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }
        var builder = PacketBuilder(linkType: .raw)
        builder.ipv4Options = ipv6 ? [] : [1, 1, 1, 0]
        let frame = builder.frame(for: segment, payload: payload)
        let ipLength = ipv6 ? 40 : 24
        let tcp = Array(frame[ipLength...])
        #expect(Array(tcp.suffix(payload.count)) == payload)
        var pseudo = source.address.bytes + destination.address.bytes
        if ipv6 {
            pseudo += [0, 0] + [UInt8(tcp.count >> 8), UInt8(tcp.count & 0xff)] + [0, 0, 0, 6]
        } else {
            pseudo += [0, 6, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xff)]
            #expect(Self.onesComplementSum(Array(frame[0..<24])) == 0xffff)
        }
        #expect(Self.onesComplementSum(pseudo + tcp) == 0xffff)
    }

    @Test func checksumsCanBeLeftOut() {
        var builder = PacketBuilder(linkType: .raw)
        builder.computesChecksums = false
        let frame = builder.frame(for: SampleSegments.syn())
        #expect(frame[10] == 0 && frame[11] == 0)
        #expect(frame[36] == 0 && frame[37] == 0)
    }

    @Test func segmentCaptureWriterWritesFilesThatReadBack() throws {
        let directory = try TemporaryDirectory()
        for format in CaptureFormat.allCases {
            let path = directory.file("conversation.\(format)")
            let writer = try SegmentCaptureWriter(path: path, format: format, linkType: .linuxSLL2)
            let segments = SampleSegments.conversation()
            for segment in segments { try writer.write(segment) }
            try writer.finish()
            var read: [TCPSegment] = []
            let statistics = try CaptureReader.readSegments(from: path, onSegment: { read.append($0) })
            #expect(read == segments)
            #expect(statistics.files == 1)
            #expect(statistics.tcpSegments == 5)
            #expect(SegmentCaptureWriter.captureBytes(of: segments, format: format, linkType: .linuxSLL2).count > 0)
        }
    }
}
