import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// Link-layer stacks inside Ethernet and the rarer link types that carry IP, each built byte by
/// byte: the decoder must give the inner segment exactly, with no tunnel named.
struct LinkStackDecodingTests {
    typealias E = Encapsulation

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var linkType: LinkType
        var frame: [UInt8]
        var ipv6 = false
        var testDescription: String { name }
    }

    static let v4 = E.innerPacket()
    static let v6 = E.innerPacket(ipv6: true)
    static let innerEthernet = E.ethernet(0x0800, v4)

    static let cases: [Case] = [
        Case(
            name: "802.1ad QinQ",
            linkType: .ethernet,
            frame: E.ethernet(0x88a8, [0, 10, 0x81, 0x00, 0, 20, 0x08, 0x00] + v4)
        ),
        Case(
            name: "PBB (802.1ah)",
            linkType: .ethernet,
            frame: E.ethernet(0x88e7, [0, 0, 1, 0] + Array(repeating: 0x33, count: 12) + [0x08, 0x00] + v4)
        ),
        Case(
            name: "PBB after an 802.1ad tag",
            linkType: .ethernet,
            frame: E.ethernet(
                0x88a8,
                [0, 5, 0x88, 0xe7, 0, 0, 1, 0] + Array(repeating: 0x33, count: 12) + [0x81, 0x00, 0, 7, 0x08, 0x00] + v4
            )
        ),
        Case(
            name: "PPPoE session over VLAN",
            linkType: .ethernet,
            frame: E.ethernet(
                0x8100,
                [0, 100, 0x88, 0x64, 0x11, 0, 0, 1] + E.be16(UInt16(v4.count + 2)) + [0, 0x21] + v4
            )
        ),
        Case(
            name: "PPPoE session, IPv6",
            linkType: .ethernet,
            frame: E.ethernet(0x8864, [0x11, 0, 0, 1] + E.be16(UInt16(v6.count + 2)) + [0, 0x57] + v6),
            ipv6: true
        ),
        Case(
            name: "MPLS inside VLAN, two labels",
            linkType: .ethernet,
            frame: E.ethernet(0x8100, [0, 100, 0x88, 0x47, 0, 1, 0, 64, 0, 2, 1, 64] + v4)
        ),
        Case(name: "MPLS, IPv6", linkType: .ethernet, frame: E.ethernet(0x8847, [0, 1, 1, 64] + v6), ipv6: true),
        Case(name: "VN-Tag", linkType: .ethernet, frame: E.ethernet(0x8926, [0x80, 1, 0, 2, 0x08, 0x00] + v4)),
        Case(name: "PPP with address and control", linkType: .ppp, frame: [0xff, 0x03, 0x00, 0x21] + v4),
        Case(name: "PPP without them, IPv6", linkType: .ppp, frame: [0x00, 0x57] + v6, ipv6: true),
        Case(name: "PPP with a compressed protocol", linkType: .ppp, frame: [0x21] + v4),
        Case(name: "PPP in HDLC framing", linkType: .pppHDLC, frame: [0xff, 0x03, 0x00, 0x21] + v4),
        Case(name: "Cisco HDLC on PPP_HDLC", linkType: .pppHDLC, frame: [0x0f, 0x00, 0x08, 0x00] + v4),
        Case(
            name: "IP over InfiniBand",
            linkType: .ipOverInfiniBand,
            frame: Array(repeating: 0xfe, count: 40) + [0x08, 0x00, 0, 0] + v4
        ),
        Case(name: "Juniper Ethernet", linkType: .juniperEthernet, frame: [0x4d, 0x47, 0x43, 0x01] + innerEthernet),
        Case(
            name: "Juniper Ethernet with extensions",
            linkType: .juniperEthernet,
            frame: [0x4d, 0x47, 0x43, 0x81, 0, 6, 1, 4, 0, 0, 0, 9] + innerEthernet
        ),
        // No link-layer header: 4 bytes (tshark reads a little-endian protocol, 2 for IP), then IP.
        Case(
            name: "Juniper without a link-layer header",
            linkType: .juniperEthernet,
            frame: [0x4d, 0x47, 0x43, 0x02, 2, 0, 0, 0] + v4
        ),
        Case(name: "ARCNET, RFC 1201", linkType: .arcnetBSD, frame: [1, 2, 0xd4, 0, 0, 1] + v4),
        Case(name: "ARCNET, RFC 1051", linkType: .arcnetBSD, frame: [1, 2, 0xf0] + v4),
        Case(
            name: "ARCNET exception packet",
            linkType: .arcnetBSD,
            frame: [1, 2, 0xd4, 0xff, 0xff, 0xff, 0xd4, 0, 0, 1] + v4
        ),
        Case(name: "ARCNET, IPv6", linkType: .arcnetBSD, frame: [1, 2, 0xc4, 0, 0, 1] + v6, ipv6: true),
        Case(name: "ARCNET on Linux", linkType: .arcnetLinux, frame: [1, 2, 0, 0, 0xd4, 0, 0, 1] + v4),
        Case(name: "802.11 data", linkType: .ieee80211, frame: E.ieee80211(0x0800, v4)),
        Case(
            name: "802.11 QoS data, four addresses",
            linkType: .ieee80211,
            frame: E.ieee80211(0x86dd, v6, qos: true, fourAddresses: true),
            ipv6: true
        ),
        Case(
            name: "radiotap",
            linkType: .ieee80211Radiotap,
            frame: [0, 0, 8, 0, 0, 0, 0, 0] + E.ieee80211(0x0800, v4)
        ),
        // The flags field says the frame ends with its FCS: 4 bytes after the IP packet.
        Case(
            name: "radiotap with fields",
            linkType: .ieee80211Radiotap,
            frame: [0, 0, 12, 0, 0x02, 0, 0, 0, 0x10, 0, 0, 0] + E.ieee80211(0x0800, v4, qos: true) + [1, 2, 3, 4]
        ),
    ]

    @Test(arguments: cases)
    func innerSegmentComesBackExactly(testCase: Case) {
        let decoded = decode(testCase.frame, linkType: testCase.linkType)
        guard case .tcp(let segment) = decoded else {
            Issue.record("\(testCase.name): \(decoded)")
            return
        }
        #expect(segment == E.inner(ipv6: testCase.ipv6))
        #expect(segment.tunnel == nil)
        #expect(testCase.linkType.isSupported)
    }

    @Test(arguments: cases)
    func everyCutIsTruncated(testCase: Case) {
        // Up to the payload's first bytes: 100 of payload and at most a 4-byte FCS after it.
        for cut in 0..<testCase.frame.count - 104 {
            let outcome = decode(
                Array(testCase.frame[..<cut]),
                linkType: testCase.linkType,
                originalLength: testCase.frame.count
            )
            #expect(outcome == .truncated, "\(testCase.name) cut at \(cut): \(outcome)")
        }
    }

    /// What the stacks and link types carry that is not IP, or not readable, is not TCP.
    @Test func framesWithoutIPAreNotTCP() {
        let frames: [(LinkType, [UInt8], DecodedPacket)] = [
            (.ieee80211, E.ieee80211(0x0800, Self.v4, protected: true), .notTCP),
            (.ieee80211, [0x80, 0] + Array(repeating: 0, count: 40), .notTCP),  // a beacon
            (
                .ieee80211, [0x08, 1] + Array(repeating: 0, count: 22) + [0x42, 0x42, 0x03, 0, 0, 0, 8, 0] + Self.v4,
                .notTCP
            ),
            (.arcnetBSD, [1, 2, 0xd4, 1, 0, 1] + Self.v4, .fragment),
            (.arcnetBSD, [1, 2, 0xd5, 0, 0, 1] + Self.v4, .notTCP),
            (.ppp, [0xff, 0x03, 0xc0, 0x21] + Self.v4, .notTCP),  // LCP
            (.juniperEthernet, [0x4e, 0x47, 0x43, 0x01] + Self.innerEthernet, .notTCP),
            (.ethernet, E.ethernet(0x8847, [0, 1, 1, 64, 0, 0, 0, 0] + Self.v4), .notTCP),  // Ethernet pseudowire
            (.ethernet, E.ethernet(0x8864, [0x11, 0, 0, 1, 0, 10, 0xc0, 0x21] + Self.v4), .notTCP),
        ]
        for (linkType, frame, expected) in frames {
            #expect(decode(frame, linkType: linkType) == expected, "\(linkType) \(frame.prefix(12))")
        }
        #expect(LinkType(rawValue: 147).isSupported == false)
        #expect(LinkType.ipOverInfiniBand.description == "IPOIB")
    }
}
