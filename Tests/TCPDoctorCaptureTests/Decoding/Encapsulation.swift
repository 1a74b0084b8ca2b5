import TCPDoctorCaptureWriters
import TCPDoctorCore

@testable import TCPDoctorCapture

/// Hand-built outer headers around an inner packet, each laid out as its specification says, so
/// that the decoder's tests state the bytes of every encapsulation they expect it to open.
enum Encapsulation {
    /// The inner TCP segment the tests carry: SampleSegments' data segment, stamped as `decode`
    /// stamps what it reads.
    static func inner(ipv6: Bool = false) -> TCPSegment {
        var segment = SampleSegments.data(
            from: ipv6 ? SampleSegments.client6 : SampleSegments.client,
            to: ipv6 ? SampleSegments.server6 : SampleSegments.server,
            length: 100
        )
        segment.timestampNanoseconds = 1_700_000_000_123_456_789
        segment.packetNumber = 7
        return segment
    }

    /// The inner segment's IP packet, without a link-layer header.
    static func innerPacket(ipv6: Bool = false) -> [UInt8] {
        PacketBuilder(linkType: .raw).frame(for: inner(ipv6: ipv6))
    }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }

    /// Ethernet II: destination, source, EtherType.
    static func ethernet(_ etherType: UInt16, _ payload: [UInt8]) -> [UInt8] {
        [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01] + be16(etherType) + payload
    }

    /// A 20-byte IPv4 header (192.0.2.1 to 192.0.2.2) with its total length.
    static func ipv4(protocol number: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0x45, 0] + be16(UInt16(20 + payload.count)) + [0, 0, 0x40, 0, 64, number, 0, 0]
            + [192, 0, 2, 1, 192, 0, 2, 2] + payload
    }

    /// A 40-byte IPv6 header (2001:db8:ffff::1 to ::2) with its payload length.
    static func ipv6(nextHeader: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(payload.count)) + [nextHeader, 64]
        header += [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff] + Array(repeating: 0, count: 9) + [1]
        header += [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff] + Array(repeating: 0, count: 9) + [2]
        return header + payload
    }

    /// UDP with its length (checksum zero).
    static func udp(source: UInt16 = 50_000, destination: UInt16, _ payload: [UInt8]) -> [UInt8] {
        be16(source) + be16(destination) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    /// A GRE header: flags and version, protocol type, then the optional words in `words`.
    static func gre(flags: UInt16 = 0, protocolType: UInt16, words: [UInt8] = [], _ payload: [UInt8]) -> [UInt8] {
        be16(flags) + be16(protocolType) + words + payload
    }

    /// Ethernet, IPv4 and GRE around `payload`: the outer headers every GRE variant shares.
    static func overGRE(flags: UInt16 = 0, protocolType: UInt16, words: [UInt8] = [], _ payload: [UInt8]) -> [UInt8] {
        ethernet(0x0800, ipv4(protocol: 47, gre(flags: flags, protocolType: protocolType, words: words, payload)))
    }

    /// ERSPAN type II (GRE with a sequence number, an 8-byte ERSPAN header) around an Ethernet frame.
    static func erspanII(_ frame: [UInt8]) -> [UInt8] {
        overGRE(flags: 0x1000, protocolType: 0x88be, words: [0, 0, 0, 1], [0x10, 0x01, 0, 0, 0, 0, 0, 0] + frame)
    }

    /// ERSPAN type III: a 12-byte header whose last byte's O flag announces 8 more bytes.
    static func erspanIII(_ frame: [UInt8], platformSubheader: Bool) -> [UInt8] {
        let header: [UInt8] =
            [0x20] + Array(repeating: 0, count: 10) + (platformSubheader ? [0x01] + Array(repeating: 9, count: 8) : [0])
        return overGRE(flags: 0x1000, protocolType: 0x22eb, words: [0, 0, 0, 1], header + frame)
    }

    /// An 802.11 data frame (To DS) with LLC/SNAP and an EtherType; `qos` adds QoS control,
    /// `fourAddresses` the fourth address, `protected` the protected bit.
    static func ieee80211(
        _ etherType: UInt16,
        _ payload: [UInt8],
        qos: Bool = false,
        fourAddresses: Bool = false,
        protected: Bool = false
    ) -> [UInt8] {
        let control: UInt8 = qos ? 0x88 : 0x08
        var flags: UInt8 = fourAddresses ? 0x03 : 0x01
        if protected { flags |= 0x40 }
        var frame: [UInt8] = [control, flags, 0, 0]
        frame += Array(repeating: 0x11, count: 18) + [0, 0]  // three addresses, sequence control
        if fourAddresses { frame += Array(repeating: 0x22, count: 6) }
        if qos { frame += [0, 0] }
        return frame + [0xaa, 0xaa, 0x03, 0, 0, 0] + be16(etherType) + payload
    }
}
