import CSockDiag
import Glibc
import SystemPackage

/// Decodes the kernel's ACKs (`NLMSG_ERROR` messages) to requests sent with `NLM_F_ACK`.
///
/// A pure function over bytes, as `InetDiagDecoder` is: every `nlmsg_len` is checked against what
/// remains, and a fault is a `NetlinkReplyError` naming the byte offset, never a trap.
public enum NetlinkAckDecoder {
    /// One ACK: the `nlmsg_seq` of the request it answers, and the kernel's error code (0 for
    /// success, else a negative errno, as `struct nlmsgerr` holds it).
    public struct Ack: Hashable, Sendable {
        public var sequence: UInt32
        public var error: Int32

        public init(sequence: UInt32, error: Int32) {
            self.sequence = sequence
            self.error = error
        }

        /// The errno of a failure; nil for success.
        public var errno: Errno? { error == 0 ? nil : Errno(rawValue: error == Int32.min ? Int32.max : abs(error)) }
    }

    /// Hands every ACK in `bytes` (one datagram or several concatenated) to `body`.
    ///
    /// `NLMSG_NOOP` is skipped; any other message type is a fault, since destroy requests are
    /// answered with nothing else.
    ///
    /// - Throws: `NetlinkReplyError` with the offset of the fault.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer,
        baseOffset: Int = 0,
        _ body: (Ack) -> Void
    ) throws(NetlinkReplyError) {
        var offset = 0
        let count = bytes.count
        while offset < count {
            let remaining = count - offset
            guard remaining >= InetDiagDecoder.headerSize else {
                throw NetlinkReplyError(.truncatedHeader(available: remaining), offset: baseOffset + offset)
            }
            let length = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            let type = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            let sequence = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            guard length >= InetDiagDecoder.headerSize else {
                throw NetlinkReplyError(.messageLengthTooSmall(length: length), offset: baseOffset + offset)
            }
            guard Int(length) <= remaining else {
                throw NetlinkReplyError(
                    .messageLengthOverrun(length: length, available: remaining),
                    offset: baseOffset + offset
                )
            }
            let payloadLength = Int(length) - InetDiagDecoder.headerSize
            switch Int32(type) {
            case NLMSG_ERROR:
                guard payloadLength >= 4 else {
                    throw NetlinkReplyError(
                        .truncatedPayload(messageType: type, needed: 4, available: payloadLength),
                        offset: baseOffset + offset
                    )
                }
                let error = bytes.loadUnaligned(fromByteOffset: offset + InetDiagDecoder.headerSize, as: Int32.self)
                body(Ack(sequence: sequence, error: error))
            case NLMSG_NOOP:
                break
            case NLMSG_OVERRUN:
                throw NetlinkReplyError(.overrun, offset: baseOffset + offset)
            default:
                throw NetlinkReplyError(.unexpectedMessageType(type), offset: baseOffset + offset)
            }
            // NLMSG_ALIGN; the last message of a datagram may end without padding.
            offset = min(count, offset + (Int(length) + 3) & ~3)
        }
    }
}
