import CSockDiag
import TCPDoctorCore

extension InetDiagDecoder {
    /// The attributes of one socket that tcpdoctor reads.
    struct Attributes {
        var tcpInfo: TCPInfoSummary?
        var shutdown: ShutdownState?
    }

    /// `NLA_TYPE_MASK`: the type bits of `rta_type`, without `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER`.
    static let attributeTypeMask: UInt16 = 0x3fff
    static let infoAttribute = UInt16(INET_DIAG_INFO)
    static let shutdownAttribute = UInt16(INET_DIAG_SHUTDOWN)

    /// Walks the `struct rtattr` list after an `inet_diag_msg`.
    ///
    /// Each attribute is { u16 rta_len, u16 rta_type, payload } padded to 4 bytes. Unknown types
    /// (the kernel adds new ones: SOCKOPT, CGROUP_ID, ...) are skipped by length.
    @inline(__always)
    static func decodeAttributes(
        _ bytes: UnsafeRawBufferPointer,
        offset base: Int,
        options: Options
    ) throws(NetlinkReplyError) -> Attributes {
        var attributes = Attributes()
        var offset = 0
        let count = bytes.count
        while offset < count {
            let remaining = count - offset
            guard remaining >= 4 else {
                throw NetlinkReplyError(.truncatedAttributeHeader(available: remaining), offset: base + offset)
            }
            let length = bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
            let type = bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & attributeTypeMask
            guard length >= 4, Int(length) <= remaining else {
                throw NetlinkReplyError(
                    .attributeLengthInvalid(length: length, available: remaining),
                    offset: base + offset
                )
            }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + Int(length))])
            switch type {
            case infoAttribute where options.includeInfo:
                attributes.tcpInfo = tcpInfoSummary(payload)
            case shutdownAttribute where options.includeShutdown:
                guard payload.count >= 1 else {
                    throw NetlinkReplyError(
                        .attributePayloadTooShort(attributeType: type, needed: 1, available: 0),
                        offset: base + offset
                    )
                }
                attributes.shutdown = ShutdownState(rawValue: payload[0] & 0x3)
            default:
                break
            }
            offset = min(count, offset + (Int(length) + 3) & ~3)
        }
        return attributes
    }

    /// The summary of an `INET_DIAG_INFO` payload.
    ///
    /// The kernel sends its own `sizeof(struct tcp_info)`, which grows with kernel versions: copy
    /// what both sides know into a zeroed `csd_tcp_info`, so an older kernel leaves newer fields 0
    /// and a newer kernel's extra fields are ignored.
    @inline(__always)
    static func tcpInfoSummary(_ payload: UnsafeRawBufferPointer) -> TCPInfoSummary {
        var info = csd_tcp_info()
        withUnsafeMutableBytes(of: &info) { destination in
            let length = min(payload.count, destination.count)
            if length > 0, let source = payload.baseAddress, let target = destination.baseAddress {
                target.copyMemory(from: source, byteCount: length)
            }
        }
        return TCPInfoSummary(
            lastDataSentMilliseconds: info.tcpi_last_data_sent,
            lastDataReceivedMilliseconds: info.tcpi_last_data_recv,
            lastAckReceivedMilliseconds: info.tcpi_last_ack_recv,
            rttMicroseconds: info.tcpi_rtt,
            rttVarianceMicroseconds: info.tcpi_rttvar,
            retransmits: info.tcpi_retransmits,
            totalRetransmits: info.tcpi_total_retrans,
            probes: info.tcpi_probes,
            backoff: info.tcpi_backoff,
            unacked: info.tcpi_unacked,
            bytesReceived: info.tcpi_bytes_received,
            bytesAcked: info.tcpi_bytes_acked
        )
    }
}
