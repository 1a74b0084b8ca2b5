extension PacketDecoder {
    /// How many tunnels the decoder opens inside one another; Zeek's `Tunnel::max_depth` is 2 by
    /// default, tshark has no limit. Deeper packets are counted as not TCP.
    static let maximumTunnelDepth: UInt8 = 4

    /// The payload of an IP packet that is not TCP: a tunnel to open, or not TCP.
    ///
    /// IP protocol 4 and 41 are IP-in-IP, 47 GRE, 17 UDP (for the tunnels on UDP ports). `end` is
    /// where the outer IP packet ends: the inner frame is bounded by it.
    static func decodeTunnel(
        _ outer: Frame,
        ipProtocol: UInt8,
        at offset: Int,
        end: Int,
        into segment: inout TCPSegment
    ) -> PacketOutcome {
        guard outer.depth < maximumTunnelDepth,
            ipProtocol == 4 || ipProtocol == 41 || ipProtocol == 47 || ipProtocol == 17
        else { return .notTCP }
        let frame = outer.inner(end: end)
        switch ipProtocol {
        case 4:
            segment.tunnel = .ip
            return decodeIPv4(frame, at: offset, into: &segment)
        case 41:
            segment.tunnel = .ip
            return decodeIPv6(frame, at: offset, into: &segment)
        case 47:
            return decodeGRE(frame, at: offset, kind: .gre, into: &segment)
        default:
            return decodeUDPTunnel(frame, at: offset, into: &segment)
        }
    }

    /// GRE (RFC 2784, 2890; PPTP's enhanced GRE, RFC 2637), with the inner frames Zeek's GRE
    /// analyzer opens: IP, transparent Ethernet bridging (0x6558), ERSPAN I and II (0x88be, 8
    /// header bytes when the sequence flag is set) and III (0x22eb, 12 bytes, 8 more when its
    /// last byte's O flag is set), Aruba (802.11 frames), PPTP (version 1, PPP inside); and
    /// WCCP's redirect (0x883e, 4 bytes, then IPv4) as tshark opens it. Routing present, the
    /// reserved flags or a version other than 0 and 1 end the walk, as in Zeek.
    static func decodeGRE(_ frame: Frame, at offset: Int, kind: Tunnel, into segment: inout TCPSegment) -> PacketOutcome
    {
        guard frame.has(offset + 4) else { return frame.shortIP(offset + 4) }
        let bytes = frame.bytes
        let flags = bytes.bigEndianUInt16(offset)
        let proto = bytes.bigEndianUInt16(offset + 2)
        let version = flags & 0x0007
        guard version <= 1, flags & 0x4078 == 0 else { return .notTCP }
        var header = offset + 4
        if flags & 0x8000 != 0 { header += 4 }
        if flags & 0x2000 != 0 { header += 4 }
        if flags & 0x1000 != 0 { header += 4 }
        if flags & 0x0080 != 0 { header += 4 }
        if version == 1 {
            guard proto == 0x880b else { return .notTCP }
            // PPP: address and control (0xff 0x03) when present, then the protocol.
            guard frame.has(header + 2) else { return frame.shortIP(header + 2) }
            if bytes.byte(header) == 0xff && bytes.byte(header + 1) == 0x03 { header += 2 }
            guard frame.has(header + 2) else { return frame.shortIP(header + 2) }
            segment.tunnel = .pptp
            return decodeInner(frame, pppProtocol(bytes.bigEndianUInt16(header)), at: header + 2, into: &segment)
        }
        switch proto {
        case 0x0800:
            segment.tunnel = kind
            return decodeInner(frame, .ipv4, at: header, into: &segment)
        case 0x86dd:
            segment.tunnel = kind
            return decodeInner(frame, .ipv6, at: header, into: &segment)
        case 0x6558:
            segment.tunnel = kind
            return decodeInnerEthernet(frame, at: header, into: &segment)
        case 0x88be:
            segment.tunnel = .erspan
            return decodeInnerEthernet(frame, at: header + (flags & 0x1000 != 0 ? 8 : 0), into: &segment)
        case 0x22eb:
            guard frame.has(header + 12) else { return frame.shortIP(header + 12) }
            let optional = bytes.byte(header + 11) & 0x01 != 0
            segment.tunnel = .erspan
            return decodeInnerEthernet(frame, at: header + (optional ? 20 : 12), into: &segment)
        case 0x883e:
            segment.tunnel = .wccp
            return decodeInner(frame, .ipv4, at: header + 4, into: &segment)
        default:
            let aruba =
                (proto & 0xff0f == 0x8200) || (proto & 0xff0f == 0x8300 && proto <= 0x8370) || proto == 0x9000
            guard aruba else { return .notTCP }
            segment.tunnel = .aruba
            return decodeInner(frame, frame.ieee80211(at: header), into: &segment)
        }
    }

    /// UDP, for the tunnels Zeek and tshark open on their registered ports (either port): VXLAN
    /// 4789, Geneve 6081, Teredo 3544, AYIYA 5072, GTP-U 2152, GRE-in-UDP 4754.
    static func decodeUDPTunnel(_ frame: Frame, at offset: Int, into segment: inout TCPSegment) -> PacketOutcome {
        guard frame.has(offset + 8) else { return frame.shortIP(offset + 8) }
        let bytes = frame.bytes
        let source = bytes.bigEndianUInt16(offset)
        let destination = bytes.bigEndianUInt16(offset + 2)
        let payload = offset + 8
        for port in [destination, source] {
            switch port {
            case 4789:
                // Flags (the I flag 0x08 marks a valid VNI), reserved, VNI, reserved.
                guard frame.has(payload + 8) else { return frame.shortIP(payload + 8) }
                guard bytes.byte(payload) & 0x08 != 0 else { return .notTCP }
                segment.tunnel = .vxlan
                return decodeInnerEthernet(frame, at: payload + 8, into: &segment)
            case 6081:
                return decodeGeneve(frame, at: payload, into: &segment)
            case 3544:
                return decodeTeredo(frame, at: payload, into: &segment)
            case 5072:
                return decodeAYIYA(frame, at: payload, into: &segment)
            case 2152:
                return decodeGTPU(frame, at: payload, into: &segment)
            case 4754:
                return decodeGRE(frame, at: payload, kind: .greOverUDP, into: &segment)
            default:
                continue
            }
        }
        return .notTCP
    }

    /// Decodes a tunnel's inner network packet; the inner link layer's failures are not the
    /// capture's link type's, so a cut header reads as truncated.
    static func decodeInner(
        _ frame: Frame,
        _ network: (Network, Int),
        into segment: inout TCPSegment
    ) -> PacketOutcome {
        decodeInner(frame, network.0, at: network.1, into: &segment)
    }

    static func decodeInner(
        _ frame: Frame,
        _ network: Network,
        at offset: Int,
        into segment: inout TCPSegment
    ) -> PacketOutcome {
        if case .cutShort(let needed) = network { return frame.shortIP(needed) }
        if network == .byVersion || network == .guessIP {
            return decodeNetwork(frame, .guessIP, at: offset, linkType: .raw, into: &segment)
        }
        return decodeNetwork(frame, network, at: offset, linkType: .raw, into: &segment)
    }

    /// An Ethernet frame inside a tunnel, with its own tags and stacks.
    static func decodeInnerEthernet(_ frame: Frame, at offset: Int, into segment: inout TCPSegment) -> PacketOutcome {
        guard frame.has(offset + 14) else { return frame.shortIP(offset + 14) }
        return decodeInner(frame, frame.etherType(at: offset + 12, payloadAt: offset + 14), into: &segment)
    }
}

extension Frame {
    /// The frame inside a tunnel whose outer IP packet ends at `end`: the same bytes, cut there.
    func inner(end: Int) -> Frame {
        let capturedEnd = min(max(end, 0), bytes.count)
        return Frame(
            bytes: UnsafeRawBufferPointer(rebasing: bytes[..<capturedEnd]),
            originalLength: max(end, capturedEnd),
            depth: depth + 1
        )
    }
}
