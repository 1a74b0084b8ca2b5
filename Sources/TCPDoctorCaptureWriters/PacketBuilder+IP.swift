import TCPDoctorCapture
import TCPDoctorCore

extension PacketBuilder {
    func appendIPv4Header(_ segment: TCPSegment, tcpLength: Int, to frame: inout [UInt8]) {
        var options = Array(ipv4Options.prefix(40))
        while options.count % 4 != 0 { options.append(0) }
        let headerLength = 20 + options.count
        let totalLength = headerLength + tcpLength
        frame.append(0x40 | UInt8(headerLength / 4))
        frame.append(0)  // DSCP, ECN
        // Above 65535 bytes write 0, as a segmentation-offload capture does; the reader then takes
        // the frame's length.
        frame.appendBigEndian(totalLength > 0xffff ? 0 : UInt16(totalLength))
        frame.appendBigEndian(ipIdentification)
        var fragmentField: UInt16 = 0x4000  // Don't Fragment, as Linux sets on TCP
        if let fragment {
            fragmentField = fragment.offset & 0x1fff | (fragment.moreFragments ? 0x2000 : 0)
        }
        frame.appendBigEndian(fragmentField)
        frame.append(hopLimit)
        frame.append(6)
        frame.appendBigEndian(UInt16(0))  // header checksum, filled in later
        frame.appendBigEndian(UInt32(truncatingIfNeeded: segment.source.address.low))
        frame.appendBigEndian(UInt32(truncatingIfNeeded: segment.destination.address.low))
        frame.append(contentsOf: options)
    }

    func appendIPv6Header(_ segment: TCPSegment, tcpLength: Int, to frame: inout [UInt8]) {
        let extensionLength = ipv6ExtensionHeaders.reduce(0) { $0 + $1.length }
        let payloadLength = extensionLength + tcpLength
        frame.appendBigEndian(UInt32(0x6000_0000))
        frame.appendBigEndian(payloadLength > 0xffff ? 0 : UInt16(payloadLength))
        frame.append(ipv6ExtensionHeaders.first?.type ?? 6)
        frame.append(hopLimit)
        frame.appendBigEndian(segment.source.address.high)
        frame.appendBigEndian(segment.source.address.low)
        frame.appendBigEndian(segment.destination.address.high)
        frame.appendBigEndian(segment.destination.address.low)
        for (index, header) in ipv6ExtensionHeaders.enumerated() {
            let next = index + 1 < ipv6ExtensionHeaders.count ? ipv6ExtensionHeaders[index + 1].type : 6
            let start = frame.count
            frame.append(next)
            switch header.type {
            case 44:
                frame.append(0)
                let fields = fragment.map { $0.offset << 3 | ($0.moreFragments ? 1 : 0) } ?? 0
                frame.appendBigEndian(fields)
                frame.appendBigEndian(UInt32(ipIdentification))
            case 51:
                frame.append(UInt8(truncatingIfNeeded: header.length / 4 - 2))
            default:
                frame.append(UInt8(truncatingIfNeeded: header.length / 8 - 1))
            }
            // Option bytes as Pad1 (zero) up to the declared length.
            while frame.count < start + header.length { frame.append(0) }
        }
    }

    /// The segment's options in the order Linux puts them on a SYN, padded to 4 bytes, at most 40.
    func encodeOptions(_ options: TCPOptionsSummary) -> [UInt8] {
        var bytes: [UInt8] = []
        if let mss = options.maximumSegmentSize {
            bytes.append(contentsOf: [2, 4])
            bytes.appendBigEndian(mss)
        }
        if let timestamp = options.timestamp {
            bytes.append(contentsOf: options.sackPermitted ? [4, 2, 8, 10] : [1, 1, 8, 10])
            bytes.appendBigEndian(timestamp.value)
            bytes.appendBigEndian(timestamp.echo)
        } else if options.sackPermitted {
            bytes.append(contentsOf: [1, 1, 4, 2])
        }
        if let scale = options.windowScale {
            bytes.append(contentsOf: [1, 3, 3, scale])
        }
        bytes.append(contentsOf: extraTCPOptions)
        while bytes.count % 4 != 0 { bytes.append(0) }
        return Array(bytes.prefix(40))
    }
}
