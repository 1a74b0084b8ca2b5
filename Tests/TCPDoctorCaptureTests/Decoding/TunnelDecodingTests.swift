import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// The tunnels Zeek and tshark open, each built byte by byte around one inner TCP segment: the
/// decoder must give the inner segment exactly, and name the tunnel.
struct TunnelDecodingTests {
    typealias E = Encapsulation

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var frame: [UInt8]
        var tunnel: Tunnel
        var ipv6 = false
        var testDescription: String { name }
    }

    static let v4 = E.innerPacket()
    static let v6 = E.innerPacket(ipv6: true)
    static let innerEthernet = E.ethernet(0x0800, v4)

    static let cases: [Case] = [
        Case(name: "IPv4 in IPv4", frame: E.ethernet(0x0800, E.ipv4(protocol: 4, v4)), tunnel: .ip),
        Case(name: "IPv6 in IPv4 (6in4)", frame: E.ethernet(0x0800, E.ipv4(protocol: 41, v6)), tunnel: .ip, ipv6: true),
        Case(name: "IPv4 in IPv6", frame: E.ethernet(0x86dd, E.ipv6(nextHeader: 4, v4)), tunnel: .ip),
        Case(
            name: "GRE, IPv4",
            frame: E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x0800, v4))),
            tunnel: .gre
        ),
        Case(
            name: "GRE with checksum, key and sequence number",
            frame: E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 47,
                    E.gre(flags: 0xb000, protocolType: 0x0800, words: Array(repeating: 7, count: 12), v4)
                )
            ),
            tunnel: .gre
        ),
        Case(
            name: "GRE over IPv6, IPv6",
            frame: E.ethernet(0x86dd, E.ipv6(nextHeader: 47, E.gre(protocolType: 0x86dd, v6))),
            tunnel: .gre,
            ipv6: true
        ),
        Case(
            name: "GRE, transparent Ethernet bridging",
            frame: E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x6558, innerEthernet))),
            tunnel: .gre
        ),
        Case(
            name: "ERSPAN type I",
            frame: E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x88be, innerEthernet))),
            tunnel: .erspan
        ),
        Case(
            name: "ERSPAN type II",
            frame: E.erspanII(innerEthernet),
            tunnel: .erspan
        ),
        Case(
            name: "ERSPAN type III",
            frame: E.erspanIII(innerEthernet, platformSubheader: false),
            tunnel: .erspan
        ),
        Case(
            name: "ERSPAN type III with platform-specific subheader",
            frame: E.erspanIII(innerEthernet, platformSubheader: true),
            tunnel: .erspan
        ),
        Case(
            name: "Aruba GRE, 802.11 data frame",
            frame: E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x8210, E.ieee80211(0x0800, v4)))),
            tunnel: .aruba
        ),
        Case(
            name: "PPTP enhanced GRE with acknowledgment",
            frame: E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 47,
                    E.gre(
                        flags: 0x3081,
                        protocolType: 0x880b,
                        words: [0, 100, 0, 1, 0, 0, 0, 5, 0, 0, 0, 4],
                        [0xff, 0x03, 0x00, 0x21] + v4
                    )
                )
            ),
            tunnel: .pptp
        ),
        Case(
            name: "WCCP redirect",
            frame: E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x883e, [0, 0, 0, 0] + v4))),
            tunnel: .wccp
        ),
        Case(
            name: "GRE in UDP",
            frame: E.ethernet(0x0800, E.ipv4(protocol: 17, E.udp(destination: 4754, E.gre(protocolType: 0x0800, v4)))),
            tunnel: .greOverUDP
        ),
        Case(
            name: "VXLAN",
            frame: E.ethernet(
                0x0800,
                E.ipv4(protocol: 17, E.udp(destination: 4789, [0x08, 0, 0, 0, 0, 0, 42, 0] + innerEthernet))
            ),
            tunnel: .vxlan
        ),
        Case(
            name: "Geneve with an option, Ethernet",
            frame: E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 17,
                    E.udp(destination: 6081, [0x01, 0, 0x65, 0x58, 0, 0, 42, 0, 1, 2, 3, 4] + innerEthernet)
                )
            ),
            tunnel: .geneve
        ),
        Case(
            name: "Geneve, IPv4",
            frame: E.ethernet(
                0x0800,
                E.ipv4(protocol: 17, E.udp(destination: 6081, [0, 0, 0x08, 0x00, 0, 0, 42, 0] + v4))
            ),
            tunnel: .geneve
        ),
        Case(
            name: "Teredo",
            frame: E.ethernet(0x0800, E.ipv4(protocol: 17, E.udp(source: 3544, destination: 40_000, v6))),
            tunnel: .teredo,
            ipv6: true
        ),
        Case(
            name: "Teredo with origin indication",
            frame: E.ethernet(0x0800, E.ipv4(protocol: 17, E.udp(destination: 3544, [0, 0, 1, 2, 3, 4, 5, 6] + v6))),
            tunnel: .teredo,
            ipv6: true
        ),
        Case(
            name: "Teredo with authentication and origin indication",
            frame: E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 17,
                    E.udp(
                        destination: 3544,
                        [0, 1, 2, 1, 9, 9, 8] + Array(repeating: 0, count: 9) + [0, 0, 1, 2, 3, 4, 5, 6] + v6
                    )
                )
            ),
            tunnel: .teredo,
            ipv6: true
        ),
        Case(
            name: "AYIYA, IPv6",
            frame: E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 17,
                    E.udp(
                        destination: 5072,
                        [0x41, 0x52, 0x11, 41, 0, 0, 0, 1] + Array(repeating: 3, count: 16 + 20) + v6
                    )
                )
            ),
            tunnel: .ayiya,
            ipv6: true
        ),
        Case(
            name: "GTP-U",
            frame: E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 17,
                    E.udp(destination: 2152, [0x30, 0xff] + E.be16(UInt16(v4.count)) + [0, 0, 0, 9] + v4)
                )
            ),
            tunnel: .gtpv1
        ),
        Case(
            name: "GTP-U with sequence number and a PDU session container",
            frame: E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 17,
                    E.udp(
                        destination: 2152,
                        [0x36, 0xff] + E.be16(UInt16(8 + v6.count)) + [0, 0, 0, 9, 0, 1, 0, 0x85, 1, 0x10, 0x01, 0] + v6
                    )
                )
            ),
            tunnel: .gtpv1,
            ipv6: true
        ),
        Case(
            name: "VXLAN inside GRE: the innermost tunnel is named",
            frame: E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 47,
                    E.gre(
                        protocolType: 0x0800,
                        E.ipv4(protocol: 17, E.udp(destination: 4789, [0x08, 0, 0, 0, 0, 0, 42, 0] + innerEthernet))
                    )
                )
            ),
            tunnel: .vxlan
        ),
    ]

    @Test(arguments: cases)
    func innerSegmentComesBackExactly(testCase: Case) throws {
        let decoded = decode(testCase.frame, linkType: .ethernet)
        guard case .tcp(let segment) = decoded else {
            Issue.record("\(testCase.name): \(decoded)")
            return
        }
        #expect(segment == E.inner(ipv6: testCase.ipv6))
        #expect(segment.tunnel == testCase.tunnel)
        #expect(segment.ipLength == UInt32((testCase.ipv6 ? Self.v6 : Self.v4).count))
        // The reader's fast path leaves every tunnel to the general decoder.
        var scratch = TCPSegment.zero
        let taken = testCase.frame.withUnsafeBytes {
            PacketDecoder.decodeCommon($0, linkType: .ethernet, originalLength: testCase.frame.count, into: &scratch)
        }
        #expect(!taken)
    }

    /// Every cut of a tunnel frame by the snaplen is truncated, never malformed, a crash or a segment.
    @Test(arguments: cases)
    func everyCutIsTruncated(testCase: Case) {
        for cut in 0..<testCase.frame.count - 100 {
            let outcome = decode(
                Array(testCase.frame[..<cut]),
                linkType: .ethernet,
                originalLength: testCase.frame.count
            )
            #expect(outcome == .truncated, "\(testCase.name) cut at \(cut): \(outcome)")
        }
    }

    @Test func otherUDPAndUnknownGREAreNotTCP() {
        let dns = E.ethernet(0x0800, E.ipv4(protocol: 17, E.udp(source: 40_000, destination: 53, Self.v4)))
        #expect(decode(dns, linkType: .ethernet) == .notTCP)
        let keepalive = E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x0000, [])))
        #expect(decode(keepalive, linkType: .ethernet) == .notTCP)
        let routing = E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(flags: 0x4000, protocolType: 0x0800, Self.v4)))
        #expect(decode(routing, linkType: .ethernet) == .notTCP)
        // A VXLAN header without its I flag, and Teredo's port carrying something other than IPv6.
        let vxlan = E.ethernet(
            0x0800,
            E.ipv4(protocol: 17, E.udp(destination: 4789, [0, 0, 0, 0, 0, 0, 0, 0] + Self.innerEthernet))
        )
        #expect(decode(vxlan, linkType: .ethernet) == .notTCP)
        let teredo = E.ethernet(0x0800, E.ipv4(protocol: 17, E.udp(destination: 3544, Self.v4)))
        #expect(decode(teredo, linkType: .ethernet) == .notTCP)
    }

    /// `tunnel` and `ipLength` sit in the endpoints' padding: the segment every packet copies is
    /// no larger than before they were added (108 bytes, a 112-byte stride).
    @Test func tunnelAndIPLengthCostTheSegmentNoRoom() {
        #expect(MemoryLayout<TCPSegment>.size <= 108)
        #expect(MemoryLayout<TCPSegment>.stride <= 112)
    }

    /// IP-in-IP nested past the depth limit stops there, as not TCP.
    @Test func nestingStopsAtTheDepthLimit() {
        var packet = Self.v4
        for _ in 0..<Int(PacketDecoder.maximumTunnelDepth) { packet = E.ipv4(protocol: 4, packet) }
        #expect(decode(E.ethernet(0x0800, packet), linkType: .ethernet).isTCP)
        packet = E.ipv4(protocol: 4, packet)
        #expect(decode(E.ethernet(0x0800, packet), linkType: .ethernet) == .notTCP)
    }
}

extension DecodedPacket {
    var isTCP: Bool {
        if case .tcp = self { return true }
        return false
    }
}
