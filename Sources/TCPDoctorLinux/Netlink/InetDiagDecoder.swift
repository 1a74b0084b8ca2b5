import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore

/// Decodes `NETLINK_SOCK_DIAG` replies (`struct nlmsghdr` + `struct inet_diag_msg` + attributes)
/// into `SocketRecord`s.
///
/// A pure function over bytes, so recorded kernel replies replay in tests. It trusts no length
/// field: every `nlmsg_len` and `rta_len` is checked against what remains, and a fault is a
/// `NetlinkReplyError` naming the byte offset, never a trap. It allocates nothing per message:
/// fields are read with `loadUnaligned` straight from the receive buffer.
public enum InetDiagDecoder {
    /// How to decode a reply.
    public struct Options: Sendable, Hashable {
        /// Decode `INET_DIAG_INFO` into `SocketRecord.tcpInfo`.
        public var includeInfo: Bool
        /// Decode `INET_DIAG_SHUTDOWN` into `SocketRecord.shutdown`.
        public var includeShutdown: Bool
        /// The `nlmsg_seq` of our request. Messages carrying another sequence are left over from an
        /// earlier, abandoned dump and are skipped; nil accepts every message (replayed fixtures).
        public var sequence: UInt32?
        /// The inode of the network namespace the dump was taken in, copied into every record.
        public var netns: UInt64

        public init(
            includeInfo: Bool = false,
            includeShutdown: Bool = false,
            sequence: UInt32? = nil,
            netns: UInt64 = 0
        ) {
            self.includeInfo = includeInfo
            self.includeShutdown = includeShutdown
            self.sequence = sequence
            self.netns = netns
        }
    }

    /// What one call to `decode` saw.
    public struct Progress: Sendable, Hashable {
        /// `NLMSG_DONE` was reached: the dump is complete.
        public var finished = false
        /// Some message carried `NLM_F_DUMP_INTR`: the table changed during the dump, so sockets
        /// may be missing or repeated.
        public var interrupted = false
        /// Records handed to the body.
        public var records = 0
        /// Messages skipped because their `nlmsg_seq` was not ours.
        public var staleMessages = 0
        /// Sockets skipped because their `idiag_state` is not a state tcpdoctor knows (a future
        /// kernel's state, such as 6.7's `TCP_BOUND_INACTIVE`, only sent when asked for).
        public var unknownStates = 0

        public init() {}

        /// Adds the counts of a later call.
        public mutating func merge(_ other: Progress) {
            finished = finished || other.finished
            interrupted = interrupted || other.interrupted
            records += other.records
            staleMessages += other.staleMessages
            unknownStates += other.unknownStates
        }
    }

    static let headerSize = 16
    static let messageSize = 72
    /// `NLM_F_DUMP_INTR`.
    static let dumpInterruptedFlag = UInt16(NLM_F_DUMP_INTR)

    /// Decodes every netlink message in `bytes`: one datagram, or several concatenated.
    ///
    /// Stops after `NLMSG_DONE`. A `NLMSG_ERROR` with a non-zero code, a `NLMSG_DONE` with a
    /// non-zero code and any structural fault throw.
    ///
    /// - Parameters:
    ///   - bytes: the received bytes.
    ///   - options: what to decode, and the sequence and namespace of the dump.
    ///   - baseOffset: added to every offset in an error, so that offsets can count across datagrams.
    ///   - body: called with each socket, in the kernel's order.
    /// - Returns: whether the dump finished, and counts.
    /// - Throws: `NetlinkReplyError` with the offset of the fault.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer,
        options: Options,
        baseOffset: Int = 0,
        _ body: (SocketRecord) -> Void
    ) throws(NetlinkReplyError) -> Progress {
        var progress = Progress()
        var offset = 0
        let count = bytes.count
        while offset < count {
            let remaining = count - offset
            guard remaining >= headerSize else {
                throw NetlinkReplyError(.truncatedHeader(available: remaining), offset: baseOffset + offset)
            }
            let length = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            let type = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            let flags = bytes.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self)
            let sequence = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            guard length >= headerSize else {
                throw NetlinkReplyError(.messageLengthTooSmall(length: length), offset: baseOffset + offset)
            }
            guard Int(length) <= remaining else {
                throw NetlinkReplyError(
                    .messageLengthOverrun(length: length, available: remaining),
                    offset: baseOffset + offset
                )
            }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerSize)..<(offset + Int(length))])
            let payloadOffset = baseOffset + offset + headerSize
            // NLMSG_ALIGN; the last message of a datagram may end without padding.
            offset = min(count, offset + (Int(length) + 3) & ~3)

            if flags & dumpInterruptedFlag != 0 { progress.interrupted = true }
            if let expected = options.sequence, expected != sequence {
                progress.staleMessages += 1
                continue
            }
            switch Int32(type) {
            case Int32(SOCK_DIAG_BY_FAMILY), Int32(TCPDIAG_GETSOCK):
                if let record = try decodeSocket(payload, offset: payloadOffset, options: options) {
                    body(record)
                    progress.records += 1
                } else {
                    progress.unknownStates += 1
                }
            case NLMSG_DONE:
                let code = try errorCode(payload, type: type, offset: payloadOffset)
                if code != 0 {
                    throw NetlinkReplyError(.dumpFailed(errnoValue(code)), offset: payloadOffset - headerSize)
                }
                progress.finished = true
                return progress
            case NLMSG_ERROR:
                // struct nlmsgerr { int error; struct nlmsghdr msg; ... }: error 0 is an ACK.
                let code = try errorCode(payload, type: type, offset: payloadOffset)
                if code != 0 {
                    throw NetlinkReplyError(.kernelError(errnoValue(code)), offset: payloadOffset - headerSize)
                }
            case NLMSG_NOOP:
                continue
            case NLMSG_OVERRUN:
                throw NetlinkReplyError(.overrun, offset: payloadOffset - headerSize)
            default:
                throw NetlinkReplyError(.unexpectedMessageType(type), offset: payloadOffset - headerSize)
            }
        }
        return progress
    }

    /// Decodes a whole recorded reply into an array: for replaying fixtures and captures.
    ///
    /// - Throws: `NetlinkReplyError` with the offset of the fault.
    public static func decodeAll(
        _ bytes: [UInt8],
        options: Options
    ) throws(NetlinkReplyError) -> (records: [SocketRecord], progress: Progress) {
        var records: [SocketRecord] = []
        let outcome = bytes.withUnsafeBytes { raw in
            Result { () throws(NetlinkReplyError) in try decode(raw, options: options) { records.append($0) } }
        }
        return (records, try outcome.get())
    }

    /// The `int` that opens the payload of `NLMSG_DONE` and `NLMSG_ERROR`.
    @inline(__always)
    private static func errorCode(
        _ payload: UnsafeRawBufferPointer,
        type: UInt16,
        offset: Int
    ) throws(NetlinkReplyError) -> Int32 {
        guard payload.count >= 4 else {
            throw NetlinkReplyError(
                .truncatedPayload(messageType: type, needed: 4, available: payload.count),
                offset: offset - headerSize
            )
        }
        return payload.loadUnaligned(as: Int32.self)
    }

    /// The `Errno` for a kernel error code, which is a negative errno (a positive one is taken as is).
    private static func errnoValue(_ code: Int32) -> Errno {
        Errno(rawValue: code == Int32.min ? Int32.max : abs(code))
    }

    /// Decodes one `struct inet_diag_msg` and its attributes.
    ///
    /// `inet_diag_msg` (72 bytes): u8 idiag_family, u8 idiag_state, u8 idiag_timer, u8 idiag_retrans;
    /// `inet_diag_sockid` { be16 idiag_sport, be16 idiag_dport, be32 idiag_src[4], be32 idiag_dst[4],
    /// u32 idiag_if, u32 idiag_cookie[2] }; u32 idiag_expires, idiag_rqueue, idiag_wqueue,
    /// idiag_uid, idiag_inode. Attributes (`struct rtattr`) follow at `NLMSG_ALIGN(72)` = 72.
    ///
    /// - Returns: the record, or nil for a state tcpdoctor does not know.
    @inline(__always)
    static func decodeSocket(
        _ payload: UnsafeRawBufferPointer,
        offset: Int,
        options: Options
    ) throws(NetlinkReplyError) -> SocketRecord? {
        guard payload.count >= messageSize else {
            throw NetlinkReplyError(
                .truncatedPayload(
                    messageType: UInt16(SOCK_DIAG_BY_FAMILY),
                    needed: messageSize,
                    available: payload.count
                ),
                offset: offset - headerSize
            )
        }
        let family = payload[0]
        let rawState = payload[1]
        let local: IPAddress
        let remote: IPAddress
        switch Int32(family) {
        case AF_INET:
            // The kernel zeroes idiag_src/idiag_dst and puts the IPv4 address in word 0.
            local = IPAddress(ipv4: UInt32(bigEndian: payload.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            remote = IPAddress(ipv4: UInt32(bigEndian: payload.loadUnaligned(fromByteOffset: 24, as: UInt32.self)))
        case AF_INET6:
            local = IPAddress(
                ipv6High: UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                low: UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            )
            remote = IPAddress(
                ipv6High: UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                low: UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: 32, as: UInt64.self))
            )
        default:
            throw NetlinkReplyError(.unexpectedFamily(family), offset: offset)
        }
        // Attributes are walked even for a socket that is then skipped, so that a malformed
        // message is reported whatever its state.
        let attributes = try decodeAttributes(
            UnsafeRawBufferPointer(rebasing: payload[messageSize...]),
            offset: offset + messageSize,
            options: options
        )
        guard let kernelState = TCPState(rawValue: rawState) else { return nil }
        // Request sockets are reported as TCP_SYN_RECV; should a kernel ever send their internal
        // TCP_NEW_SYN_RECV, keep them under the one state users know.
        let state: TCPState = kernelState == .newSynReceived ? .synReceived : kernelState

        let sourcePort = UInt16(bigEndian: payload.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        let destinationPort = UInt16(bigEndian: payload.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        let cookieLow = payload.loadUnaligned(fromByteOffset: 44, as: UInt32.self)
        let cookieHigh = payload.loadUnaligned(fromByteOffset: 48, as: UInt32.self)
        let expires = payload.loadUnaligned(fromByteOffset: 52, as: UInt32.self)
        return SocketRecord(
            state: state,
            local: Endpoint(address: local, port: sourcePort),
            remote: Endpoint(address: remote, port: destinationPort),
            recvQ: payload.loadUnaligned(fromByteOffset: 56, as: UInt32.self),
            sendQ: payload.loadUnaligned(fromByteOffset: 60, as: UInt32.self),
            inode: UInt64(payload.loadUnaligned(fromByteOffset: 68, as: UInt32.self)),
            uid: payload.loadUnaligned(fromByteOffset: 64, as: UInt32.self),
            timer: timer(kind: payload[2], expires: expires, retransmits: payload[3]),
            cookie: UInt64(cookieHigh) << 32 | UInt64(cookieLow),
            netns: options.netns,
            tcpInfo: attributes.tcpInfo,
            shutdown: attributes.shutdown,
            interfaceIndex: payload.loadUnaligned(fromByteOffset: 40, as: UInt32.self)
        )
    }

    /// `idiag_timer`, `idiag_expires` and `idiag_retrans` as a timer; nil when none runs (0).
    @inline(__always)
    static func timer(kind: UInt8, expires: UInt32, retransmits: UInt8) -> SocketTimer? {
        guard let kind = SocketTimer.Kind(rawValue: kind) else { return nil }
        // Older kernels computed `expires - jiffies` into this u32 and could wrap when overdue.
        return SocketTimer(
            kind: kind,
            expiresMilliseconds: Int64(Int32(bitPattern: expires)),
            retransmits: retransmits
        )
    }
}
