import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

struct IPv4DecodingTests {
    static let segment = SampleSegments.syn()

    /// A raw IPv4 frame of `segment` with the builder adjusted.
    static func frame(_ segment: TCPSegment = segment, _ configure: (inout PacketBuilder) -> Void = { _ in }) -> [UInt8]
    {
        var builder = PacketBuilder(linkType: .raw)
        configure(&builder)
        return builder.frame(for: segment)
    }

    static func expected(_ segment: TCPSegment = segment) -> DecodedPacket {
        var copy = segment
        copy.timestampNanoseconds = 1_700_000_000_123_456_789
        copy.packetNumber = 7
        return .tcp(copy)
    }

    @Test(arguments: [
        [UInt8](),
        [0x94, 0x04, 0x00, 0x00],  // Router Alert
        [0x01, 0x01, 0x01, 0x00],  // NOPs and End of Options List
        Array(repeating: 0x01, count: 40),  // the largest header: IHL 15
    ])
    func optionsAreSkippedByIHL(options: [UInt8]) {
        let bytes = Self.frame { $0.ipv4Options = options }
        #expect(bytes[0] == 0x40 | UInt8(5 + options.count / 4))
        #expect(decode(bytes, linkType: .raw) == Self.expected())
    }

    @Test func dontFragmentIsNotAFragment() {
        let bytes = Self.frame()
        #expect(bytes[6] == 0x40)
        #expect(decode(bytes, linkType: .raw) == Self.expected())
    }

    @Test(arguments: [
        PacketBuilder.Fragment(offset: 0, moreFragments: true),
        PacketBuilder.Fragment(offset: 185, moreFragments: true),
        PacketBuilder.Fragment(offset: 185, moreFragments: false),
    ])
    func fragmentsAreCountedNotDecoded(fragment: PacketBuilder.Fragment) throws {
        let bytes = Self.frame { $0.fragment = fragment }
        #expect(decode(bytes, linkType: .raw) == .fragment)
        let writer = PCAPWriter(linkType: .raw)
        try writer.write(bytes, timestampNanoseconds: 0)
        let result = try readSegments(writer.bytes)
        #expect(result.statistics.fragments == 1)
        #expect(result.segments.isEmpty)
    }

    @Test func otherProtocolsAreNotTCP() {
        var bytes = Self.frame()
        bytes[9] = 17  // UDP
        #expect(decode(bytes, linkType: .raw) == .notTCP)
    }

    @Test func payloadLengthComesFromTotalLengthNotCapturedBytes() {
        let data = SampleSegments.data(length: 1_400)
        let bytes = Self.frame(data)
        // A 96-byte snaplen keeps all headers but most of the payload.
        let cut = Array(bytes.prefix(96))
        #expect(decode(cut, linkType: .raw, originalLength: bytes.count) == Self.expected(data))
    }

    @Test func ethernetPaddingDoesNotCountAsPayload() {
        let ack = SampleSegments.data(length: 0, flags: .ack)
        let bytes = PacketBuilder(linkType: .ethernet).frame(for: ack) + [UInt8](repeating: 0, count: 6)
        #expect(decode(bytes, linkType: .ethernet) == Self.expected(ack))
    }

    @Test func totalLengthZeroTakesTheFrameLength() {
        // TCP segmentation offload: the capture saw the large segment with total length 0.
        let data = SampleSegments.data(length: 5_000)
        var bytes = Self.frame(data)
        bytes[2] = 0
        bytes[3] = 0
        #expect(decode(bytes, linkType: .raw) == Self.expected(data))
    }

    @Test func everyCutPointIsTruncatedOrDecoded() {
        // Cut a SYN with IPv4 options and TCP options at every byte: nothing may be malformed,
        // and once the 20 fixed TCP bytes are in, the segment comes out with its true lengths.
        let bytes = Self.frame { $0.ipv4Options = [0x94, 4, 0, 0] }
        let tcpStart = 24
        for cut in 0...bytes.count {
            let decoded = decode(Array(bytes.prefix(cut)), linkType: .raw, originalLength: bytes.count)
            if cut < tcpStart + 20 {
                #expect(decoded == .truncated, "cut at \(cut)")
            } else {
                guard case .tcp(let segment) = decoded else {
                    Issue.record("cut at \(cut): \(decoded)")
                    continue
                }
                #expect(segment.sequence == Self.segment.sequence)
                #expect(segment.payloadLength == 0)
                // Options come out only as far as they were captured.
                let mssCaptured = cut >= tcpStart + 24
                #expect((segment.options.maximumSegmentSize != nil) == mssCaptured, "cut at \(cut)")
                if cut == bytes.count { #expect(decoded == Self.expected()) }
            }
        }
    }

    /// (description, byte offset to change, new value, expected problem)
    static let malformed: [(String, Int, UInt8, PacketProblem)] = [
        ("IHL 4", 0, 0x44, .ipv4HeaderLength(headerLength: 16, totalLength: 60)),
        ("version 6 on IPv4 EtherType", 0, 0x65, .ipVersionMismatch(expected: 4, found: 6)),
        ("total length beyond the frame", 2, 0x10, .ipv4TotalLength(totalLength: 0x103c, available: 60)),
        ("TCP data offset 4", 32, 0x40, .tcpDataOffset(headerLength: 16, segmentLength: 40)),
        ("TCP data offset beyond the segment", 32, 0xf0, .tcpDataOffset(headerLength: 60, segmentLength: 40)),
    ]

    @Test(arguments: malformed.indices)
    func contradictoryHeadersAreMalformed(index: Int) {
        let (name, offset, value, problem) = Self.malformed[index]
        var bytes = PacketBuilder(linkType: .ipv4).frame(for: Self.segment)
        #expect(bytes.count == 60)
        bytes[offset] = value
        #expect(decode(bytes, linkType: .ipv4) == .malformed(problem), "\(name)")
    }

    @Test func ipPayloadTooShortForTCP() {
        var bytes = PacketBuilder(linkType: .ipv4).frame(for: Self.segment)
        bytes[3] = 30  // total length 30: 10 bytes of TCP
        #expect(decode(bytes, linkType: .ipv4) == .malformed(.tcpSegmentTooShort(length: 10)))
        #expect(
            decode(Array(bytes.prefix(12)), linkType: .ipv4) == .malformed(.ipHeaderTooShort(version: 4, length: 12))
        )
    }
}
