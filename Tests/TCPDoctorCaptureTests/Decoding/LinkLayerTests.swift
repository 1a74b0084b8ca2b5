import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

struct LinkLayerTests {
    static let linkTypes: [LinkType] = [.ethernet, .null, .loop, .raw, .rawBSD, .rawOpenBSD, .linuxSLL, .linuxSLL2]

    /// Writes the conversation with `builder`'s settings, reads it back, and expects every field.
    static func roundTrip(
        _ segments: [TCPSegment],
        format: CaptureFormat,
        configure: (inout PacketBuilder) -> Void = { _ in },
        linkType: LinkType
    ) throws -> SegmentResult {
        let writer = SegmentCaptureWriter(format: format, linkType: linkType)
        configure(&writer.builder)
        for segment in segments { try writer.write(segment) }
        return try readSegments(writer.bytes)
    }

    @Test(arguments: linkTypes, CaptureFormat.allCases)
    func ipv4AndIPv6SegmentsComeBackExactly(linkType: LinkType, format: CaptureFormat) throws {
        for ipv6 in [false, true] {
            let segments = SampleSegments.conversation(ipv6: ipv6)
            let result = try Self.roundTrip(segments, format: format, linkType: linkType)
            #expect(result.segments == segments)
            #expect(result.statistics.tcpSegments == UInt64(segments.count))
            #expect(result.statistics.packets == UInt64(segments.count))
            #expect(result.warnings.isEmpty)
        }
    }

    @Test func rawIPv4AndIPv6LinkTypesCarryOnlyTheirVersion() throws {
        let v4 = SampleSegments.conversation(ipv6: false)
        let v6 = SampleSegments.conversation(ipv6: true)
        #expect(try Self.roundTrip(v4, format: .pcap, linkType: .ipv4).segments == v4)
        #expect(try Self.roundTrip(v6, format: .pcapng, linkType: .ipv6).segments == v6)
        // An IPv6 header on LINKTYPE_IPV4 contradicts the link type.
        let frame = PacketBuilder(linkType: .ipv6).frame(for: v6[0])
        #expect(decode(frame, linkType: .ipv4) == .malformed(.ipVersionMismatch(expected: 4, found: 6)))
    }

    @Test(arguments: [CaptureByteOrder.littleEndian, .bigEndian], [UInt32(10), 24, 28, 30])
    func nullFamilyInEitherByteOrder(order: CaptureByteOrder, ipv6Family: UInt32) throws {
        var segments = SampleSegments.conversation(ipv6: true) + SampleSegments.conversation(ipv6: false)
        for index in segments.indices { segments[index].packetNumber = UInt64(index + 1) }
        let result = try Self.roundTrip(
            segments,
            format: .pcap,
            configure: {
                $0.nullByteOrder = order
                $0.nullIPv6Family = ipv6Family
            },
            linkType: .null
        )
        #expect(result.segments == segments)
    }

    @Test func nullWithAnotherFamilyIsNotTCP() {
        // AF_UNIX (1) in the family field: not IP.
        #expect(decode([1, 0, 0, 0, 0x45, 0, 0, 20], linkType: .null) == .notTCP)
    }

    @Test(arguments: [
        [PacketBuilder.VLANTag(vlan: 10)],
        [PacketBuilder.VLANTag(protocolIdentifier: 0x88a8, vlan: 100), PacketBuilder.VLANTag(vlan: 200)],
        [PacketBuilder.VLANTag(protocolIdentifier: 0x9100, vlan: 1), PacketBuilder.VLANTag(vlan: 2)],
    ])
    func vlanTagsAreSteppedOver(tags: [PacketBuilder.VLANTag]) throws {
        for linkType in [LinkType.ethernet, .linuxSLL] {
            let segments = SampleSegments.conversation(ipv6: tags.count == 2)
            let result = try Self.roundTrip(
                segments,
                format: .pcapng,
                configure: { $0.vlanTags = tags },
                linkType: linkType
            )
            #expect(result.segments == segments)
            let frame = {
                var builder = PacketBuilder(linkType: linkType)
                builder.vlanTags = tags
                return builder.frame(for: segments[0])
            }()
            let tagStart = linkType == .ethernet ? 12 : 14
            #expect(frame[tagStart] == UInt8(tags[0].protocolIdentifier >> 8))
        }
    }

    @Test func tagsCutByTheSnaplenAreTruncated() {
        var builder = PacketBuilder(linkType: .ethernet)
        builder.vlanTags = [.init(protocolIdentifier: 0x88a8, vlan: 1), .init(vlan: 2)]
        let frame = builder.frame(for: SampleSegments.syn())
        // 12 MAC bytes, 0x88a8, TCI, then the cut inside the second tag.
        #expect(decode(Array(frame.prefix(18)), linkType: .ethernet, originalLength: frame.count) == .truncated)
        // The same bytes as a whole frame: the tags run past the end of the frame.
        #expect(
            decode(Array(frame.prefix(18)), linkType: .ethernet)
                == .malformed(.linkHeaderTooShort(linkType: .ethernet, length: 18))
        )
    }

    @Test func nonIPEtherTypesAreNotTCP() {
        var arp = PacketBuilder(linkType: .ethernet).frame(for: SampleSegments.syn())
        arp[12] = 0x08
        arp[13] = 0x06
        #expect(decode(arp, linkType: .ethernet) == .notTCP)
        var llc = arp
        llc[12] = 0x00
        llc[13] = 0x40  // an 802.3 length, not an EtherType
        #expect(decode(llc, linkType: .ethernet) == .notTCP)
    }

    @Test(arguments: [LinkType.ethernet, .linuxSLL, .linuxSLL2, .null])
    func framesShorterThanTheirLinkHeader(linkType: LinkType) {
        let frame = PacketBuilder(linkType: linkType).frame(for: SampleSegments.syn())
        let short = Array(frame.prefix(3))
        #expect(decode(short, linkType: linkType, originalLength: frame.count) == .truncated)
        #expect(decode(short, linkType: linkType) == .malformed(.linkHeaderTooShort(linkType: linkType, length: 3)))
    }

    @Test func unknownLinkTypeIsCountedNotDecoded() {
        #expect(decode([1, 2, 3], linkType: LinkType(rawValue: 147)) == .unsupportedLinkType)
        #expect(LinkType(rawValue: 147).isSupported == false)
        #expect(LinkType(rawValue: 147).description == "147")
        #expect(LinkType.linuxSLL2.description == "LINUX_SLL2")
    }
}
