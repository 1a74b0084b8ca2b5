extension PacketDecoder {
    /// The network protocol of a PPP protocol number: 0x0021 IPv4, 0x0057 IPv6 (RFC 1332, 5072).
    static func pppProtocol(_ number: UInt16) -> Network {
        switch number {
        case 0x0021: .ipv4
        case 0x0057: .ipv6
        default: .other
        }
    }
}

extension Frame {
    /// The link-layer header of the rarer link types that carry IP: where the network header
    /// starts and which protocol it is.
    ///
    /// Layouts, as tcpdump and Wireshark read them:
    /// - `PPP` (9): optional address and control bytes (0xff 0x03), then a protocol of one byte
    ///   (odd, compressed) or two.
    /// - `PPP_HDLC` (50, "PPP serial"): 0xff 0x03 and a 2-byte PPP protocol, or Cisco HDLC
    ///   (0x0f or 0x8f, a control byte, an EtherType).
    /// - `IPOIB` (242): 40 bytes of destination and source hardware addresses, an EtherType, 2
    ///   reserved bytes (tcpdump's `IPOIB_HDRLEN` 44).
    /// - `JUNIPER_ETHER` (178): the magic "MGC", a flags byte, a 2-byte extension length when the
    ///   extension flag (0x80) is set; then Ethernet, or, with the no-L2 flag (0x02), 4 more bytes
    ///   and IP told by its version.
    /// - `ARCNET_BSD` (7) and `ARCNET_LINUX` (129): see `arcnet(linux:)`.
    /// - `IEEE802_11` (105) and `IEEE802_11_RADIOTAP` (127): see `ieee80211(at:)`.
    func otherLinkHeader(_ linkType: LinkType) -> (PacketDecoder.Network, Int) {
        switch linkType.rawValue {
        case 9:
            guard has(1) else { return (.cutShort(needed: 1), 0) }
            var start = 0
            if bytes.byte(0) == 0xff {
                // An address byte (0xff is no protocol number): the control byte must follow.
                guard has(2) else { return (.cutShort(needed: 2), 0) }
                if bytes.byte(1) == 0x03 { start = 2 }
            }
            guard has(start + 1) else { return (.cutShort(needed: start + 1), start) }
            if bytes.byte(start) & 1 == 1 {
                return (PacketDecoder.pppProtocol(UInt16(bytes.byte(start))), start + 1)
            }
            guard has(start + 2) else { return (.cutShort(needed: start + 2), start) }
            return (PacketDecoder.pppProtocol(bytes.bigEndianUInt16(start)), start + 2)
        case 50:
            guard has(4) else { return (.cutShort(needed: 4), 0) }
            let address = bytes.byte(0)
            if address == 0x0f || address == 0x8f { return etherType(at: 2, payloadAt: 4) }
            return (PacketDecoder.pppProtocol(bytes.bigEndianUInt16(2)), 4)
        case 242:
            guard has(44) else { return (.cutShort(needed: 44), 0) }
            return etherType(at: 40, payloadAt: 44)
        case 178:
            return juniperEthernet()
        case 7, 129:
            return arcnet(linux: linkType.rawValue == 129)
        case 105:
            return ieee80211(at: 0)
        case 127:
            // Radiotap: version, pad, a little-endian length of the whole radiotap header.
            guard has(4) else { return (.cutShort(needed: 4), 0) }
            let length = Int(bytes.byte(2)) | Int(bytes.byte(3)) << 8
            guard length >= 8 else { return (.other, 0) }
            return ieee80211(at: length)
        default:
            return (.other, 0)
        }
    }

    private func juniperEthernet() -> (PacketDecoder.Network, Int) {
        guard has(4) else { return (.cutShort(needed: 4), 0) }
        guard bytes.byte(0) == 0x4d, bytes.byte(1) == 0x47, bytes.byte(2) == 0x43 else { return (.other, 0) }
        let flags = bytes.byte(3)
        var header = 4
        if flags & 0x80 != 0 {
            guard has(6) else { return (.cutShort(needed: 6), 0) }
            header = 6 + Int(bytes.bigEndianUInt16(4))
        }
        if flags & 0x02 != 0 { return (.guessIP, header + 4) }
        guard has(header + 14) else { return (.cutShort(needed: header + 14), header) }
        return etherType(at: header + 12, payloadAt: header + 14)
    }

    /// ARCNET: source and destination station bytes (Linux adds a 2-byte offset), then a protocol
    /// byte; the old RFC 1051 types (0xf0 IP, 0xf1 ARP, 0x80 diagnostics) end the header there,
    /// the RFC 1201 types add a split flag and a 2-byte sequence number, and a BSD exception
    /// packet (flag 0xff) 4 bytes more. A nonzero split flag is a fragment, not reassembled here.
    /// IP is 0xd4 (RFC 1201) or 0xf0 (RFC 1051), IPv6 0xc4 (RFC 2497).
    private func arcnet(linux: Bool) -> (PacketDecoder.Network, Int) {
        let typeOffset = linux ? 4 : 2
        guard has(typeOffset + 1) else { return (.cutShort(needed: typeOffset + 1), 0) }
        let type = bytes.byte(typeOffset)
        var start = typeOffset + 1
        if type != 0xf0 && type != 0xf1 && type != 0x80 {
            guard has(start + 3) else { return (.cutShort(needed: start + 3), start) }
            var flag = bytes.byte(start)
            start += 3
            if !linux && flag == 0xff {
                // Exception packet: the type, flag and sequence number again.
                guard has(start + 4) else { return (.cutShort(needed: start + 4), start) }
                flag = bytes.byte(start + 1)
                start += 4
            }
            if flag != 0 { return (.fragment, start) }
        }
        switch type {
        case 0xd4, 0xf0: return (.ipv4, start)
        case 0xc4: return (.ipv6, start)
        default: return (.other, start)
        }
    }

    /// An 802.11 data frame at `offset`, as Zeek's IEEE802_11 analyzer reads it: type data (2),
    /// a subtype with data; a 24-byte header, 6 more for the fourth address (To DS and From DS),
    /// 2 for QoS control (and 4 for HT control when the order bit is set, as tcpdump reads it);
    /// protected (encrypted) frames and A-MSDUs are not opened; then LLC/SNAP (0xaa 0xaa 0x03,
    /// OUI 0) and an EtherType.
    func ieee80211(at offset: Int) -> (PacketDecoder.Network, Int) {
        guard has(offset + 24) else { return (.cutShort(needed: offset + 24), offset) }
        let control = bytes.byte(offset)
        let flags = bytes.byte(offset + 1)
        // Type in bits 2-3, subtype in bits 4-7; subtypes with bit 2 set carry no data.
        guard (control >> 2) & 0x03 == 2, (control >> 4) & 0x04 == 0 else { return (.other, offset) }
        var header = offset + 24
        if flags & 0x03 == 0x03 { header += 6 }
        if (control >> 4) & 0x08 != 0 {
            guard has(header + 2) else { return (.cutShort(needed: header + 2), header) }
            if bytes.byte(header) & 0x80 != 0 { return (.other, header) }
            header += 2
            if flags & 0x80 != 0 { header += 4 }
        }
        if flags & 0x40 != 0 { return (.other, header) }
        guard has(header + 8) else { return (.cutShort(needed: header + 8), header) }
        guard bytes.byte(header) == 0xaa, bytes.byte(header + 1) == 0xaa, bytes.byte(header + 2) == 0x03,
            bytes.byte(header + 3) == 0, bytes.byte(header + 4) == 0, bytes.byte(header + 5) == 0
        else { return (.other, header) }
        return etherType(at: header + 6, payloadAt: header + 8)
    }
}
