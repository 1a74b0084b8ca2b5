import TCPDoctorCapture
import TCPDoctorCore

extension PacketBuilder {
    /// Fills the IPv4 header checksum and the TCP checksum (RFC 1071 one's-complement sums; the TCP
    /// sum covers the pseudo-header of RFC 9293 or RFC 8200).
    func fillChecksums(in frame: inout [UInt8], ipStart: Int, tcpStart: Int, isIPv6: Bool, segment: TCPSegment) {
        let tcpLength = frame.count - tcpStart
        frame.withUnsafeMutableBytes { bytes in
            var pseudo: UInt64 = 0
            if isIPv6 {
                for word in [
                    segment.source.address.high, segment.source.address.low,
                    segment.destination.address.high, segment.destination.address.low,
                ] {
                    pseudo += word >> 32 + word & 0xffff_ffff
                }
            } else {
                let headerLength = Int(bytes[ipStart] & 0x0f) * 4
                let ipSum = Self.fold(
                    Self.sum(UnsafeRawBufferPointer(rebasing: bytes[ipStart..<(ipStart + headerLength)]))
                )
                bytes.storeBytes(of: (~ipSum).bigEndian, toByteOffset: ipStart + 10, as: UInt16.self)
                pseudo += segment.source.address.low & 0xffff_ffff
                pseudo += segment.destination.address.low & 0xffff_ffff
            }
            pseudo += UInt64(tcpLength) + 6
            let tcpSum = Self.fold(pseudo + Self.sum(UnsafeRawBufferPointer(rebasing: bytes[tcpStart...])))
            bytes.storeBytes(of: (~tcpSum).bigEndian, toByteOffset: tcpStart + 16, as: UInt16.self)
        }
    }

    /// The sum of the big-endian 32-bit words of `bytes` (a last partial word padded with zeros),
    /// which folds to the same one's-complement sum as 16-bit words and takes half the steps.
    static func sum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var total: UInt64 = 0
        var index = 0
        while index + 4 <= bytes.count {
            total += UInt64(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)))
            index += 4
        }
        var shift: UInt64 = 24
        while index < bytes.count {
            total += UInt64(bytes[index]) << shift
            shift -= 8
            index += 1
        }
        return total
    }

    static func fold(_ value: UInt64) -> UInt16 {
        var sum = value
        while sum > 0xffff { sum = (sum >> 16) + (sum & 0xffff) }
        return UInt16(sum)
    }
}
