// Seeds of the `capture` target, written with the package's own writers.

import Glibc
import TCPDoctorCore

@testable import TCPDoctorCapture
import TCPDoctorCaptureWriters

enum CaptureSeeds {
    static func segments(ipv6: Bool) -> [TCPSegment] {
        let a = Endpoint(
            address: ipv6 ? IPAddress(ipv6High: 0x2001_0db8 << 32, low: 1) : IPAddress(ipv4: 0x0a00_0001),
            port: 40_000
        )
        let b = Endpoint(
            address: ipv6 ? IPAddress(ipv6High: 0x2001_0db8 << 32, low: 2) : IPAddress(ipv4: 0x0a00_0002),
            port: 80
        )
        var syn = TCPSegment(
            timestampNanoseconds: 1_700_000_000_000_000_000,
            packetNumber: 1,
            source: a,
            destination: b,
            sequence: 1,
            acknowledgment: 0,
            flags: .syn,
            window: 65_535,
            payloadLength: 0,
            options: TCPOptionsSummary(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true)
        )
        syn.options.timestamp = (1, 0)
        var synAck = syn
        synAck.source = b
        synAck.destination = a
        synAck.flags = [.syn, .ack]
        var data = syn
        data.flags = [.psh, .ack]
        data.payloadLength = 30
        data.options = TCPOptionsSummary()
        var fin = data
        fin.flags = [.fin, .ack]
        fin.payloadLength = 0
        return [syn, synAck, data, fin]
    }

    static func write(into directory: String) throws {
        let linkTypes: [LinkType] = [.ethernet, .null, .loop, .raw, .linuxSLL, .linuxSLL2, .ipv4, .ipv6]
        for format in CaptureFormat.allCases {
            for linkType in linkTypes {
                for ipv6 in [false, true] where !(linkType == .ipv4 && ipv6) && !(linkType == .ipv6 && !ipv6) {
                    for order in CaptureByteOrder.allCases {
                        let writer = SegmentCaptureWriter(
                            format: format,
                            linkType: linkType,
                            byteOrder: order,
                            snapLength: 80
                        )
                        if linkType == .ethernet {
                            writer.builder.vlanTags = [.init(protocolIdentifier: 0x88a8, vlan: 5), .init(vlan: 6)]
                        }
                        if !ipv6 { writer.builder.ipv4Options = [0x94, 4, 0, 0] }
                        if ipv6 {
                            writer.builder.ipv6ExtensionHeaders = [
                                .init(type: 0), .init(type: 44), .init(type: 51, length: 12),
                            ]
                        }
                        for segment in segments(ipv6: ipv6) { try writer.write(segment) }
                        writeSeed("\(format)-\(linkType)-\(ipv6 ? 6 : 4)-\(order).cap", writer.bytes, into: directory)
                    }
                }
            }
        }
        // Fragments, and a pcapng with everything the reader knows.
        let fragments = SegmentCaptureWriter(format: .pcap, linkType: .raw)
        fragments.builder.fragment = .init(offset: 0, moreFragments: true)
        try fragments.write(segments(ipv6: false)[2])
        fragments.builder.fragment = .init(offset: 4, moreFragments: false)
        try fragments.write(segments(ipv6: false)[2])
        writeSeed("fragments.pcap", fragments.bytes, into: directory)

        let pcapng = PCAPNGWriter(byteOrder: .bigEndian)
        pcapng.addInterface(
            linkType: .ethernet,
            snapLength: 64,
            timestampResolution: .binary(10),
            timestampOffsetSeconds: 5,
            name: "eth0"
        )
        pcapng.addInterface(linkType: .linuxSLL2, timestampResolution: .nanoseconds)
        let frame = PacketBuilder(linkType: .ethernet).frame(for: segments(ipv6: false)[0])
        let sll2 = PacketBuilder(linkType: .linuxSLL2).frame(for: segments(ipv6: true)[1])
        try pcapng.writeEnhancedPacket(
            frame,
            interface: 0,
            timestampNanoseconds: 1_700_000_000_000_000_000,
            comment: "x"
        )
        try pcapng.writeSimplePacket(frame)
        try pcapng.writeObsoletePacket(sll2, interface: 1, timestampNanoseconds: 1_700_000_001_000_000_000)
        try pcapng.writeBlock(type: 0x0bad, body: [1, 2, 3])
        pcapng.beginSection(byteOrder: .littleEndian)
        pcapng.addInterface(linkType: .linuxSLL2, timestampResolution: .decimal(3))
        try pcapng.writeEnhancedPacket(sll2, interface: 0, timestampNanoseconds: 1_700_000_002_000_000_000)
        writeSeed("everything.pcapng", pcapng.bytes, into: directory)
        writeSeed("truncated.pcapng", Array(pcapng.bytes.dropLast(10)), into: directory)
    }
}
