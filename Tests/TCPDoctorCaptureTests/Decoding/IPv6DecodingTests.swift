import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

struct IPv6DecodingTests {
    static let segment = SampleSegments.syn(from: SampleSegments.client6, to: SampleSegments.server6)
    typealias Header = PacketBuilder.IPv6ExtensionHeader

    static func frame(
        _ headers: [Header],
        fragment: PacketBuilder.Fragment? = nil,
        _ segment: TCPSegment = segment
    ) -> [UInt8] {
        var builder = PacketBuilder(linkType: .ipv6)
        builder.ipv6ExtensionHeaders = headers
        builder.fragment = fragment
        return builder.frame(for: segment)
    }

    static var expected: DecodedPacket {
        var copy = segment
        copy.timestampNanoseconds = 1_700_000_000_123_456_789
        copy.packetNumber = 7
        return .tcp(copy)
    }

    @Test(arguments: [
        [Header](),
        [Header(type: 0)],
        [Header(type: 0, length: 16), Header(type: 43, length: 24), Header(type: 60)],
        [Header(type: 51, length: 12)],
        [Header(type: 51, length: 24), Header(type: 60, length: 8)],
        [Header(type: 44)],  // an atomic fragment: offset 0, M clear
        [Header(type: 0), Header(type: 44), Header(type: 60, length: 16)],
    ])
    func extensionHeadersAreWalked(headers: [Header]) {
        #expect(decode(Self.frame(headers), linkType: .ipv6) == Self.expected)
    }

    @Test(arguments: [
        PacketBuilder.Fragment(offset: 0, moreFragments: true),
        PacketBuilder.Fragment(offset: 100, moreFragments: false),
    ])
    func fragmentsAreCountedNotDecoded(fragment: PacketBuilder.Fragment) {
        #expect(
            decode(Self.frame([Header(type: 0), Header(type: 44)], fragment: fragment), linkType: .ipv6) == .fragment
        )
    }

    @Test(arguments: [UInt8(50), 59, 17, 58])
    func espNoNextHeaderAndOtherProtocolsAreNotTCP(nextHeader: UInt8) {
        var bytes = Self.frame([Header(type: 60)])
        bytes[40] = nextHeader  // the Destination Options header's Next Header
        #expect(decode(bytes, linkType: .ipv6) == .notTCP)
    }

    @Test func extensionHeaderBeyondThePayloadIsMalformed() {
        var bytes = Self.frame([Header(type: 60)])
        bytes[41] = 20  // 168 bytes, with 48 left in the payload
        #expect(decode(bytes, linkType: .ipv6) == .malformed(.ipv6ExtensionHeader(nextHeader: 60, remaining: 48)))
    }

    @Test func payloadLengthBeyondTheFrameIsMalformed() {
        var bytes = Self.frame([])
        bytes[4] = 0x01
        #expect(decode(bytes, linkType: .ipv6) == .malformed(.ipv6PayloadLength(payloadLength: 296, available: 40)))
    }

    @Test func payloadLengthZeroTakesTheFrameLength() {
        let data = SampleSegments.data(from: SampleSegments.client6, to: SampleSegments.server6, length: 70_000)
        let bytes = PacketBuilder(linkType: .ipv6).frame(for: data)
        #expect(bytes[4] == 0 && bytes[5] == 0)
        guard case .tcp(let segment) = decode(bytes, linkType: .ipv6) else {
            Issue.record("not decoded")
            return
        }
        #expect(segment.payloadLength == 70_000)
    }

    @Test func everyCutPointIsTruncatedOrDecoded() {
        let headers = [Header(type: 0), Header(type: 43, length: 16), Header(type: 44), Header(type: 51, length: 12)]
        let bytes = Self.frame(headers)
        let tcpStart = 40 + 8 + 16 + 8 + 12
        for cut in 0...bytes.count {
            let decoded = decode(Array(bytes.prefix(cut)), linkType: .ipv6, originalLength: bytes.count)
            if cut < tcpStart + 20 {
                #expect(decoded == .truncated, "cut at \(cut)")
            } else if case .tcp(let segment) = decoded {
                #expect(segment.destination == Self.segment.destination)
            } else {
                Issue.record("cut at \(cut): \(decoded)")
            }
        }
    }
}
