import SystemPackage

/// A fault found while decoding a netlink reply, with the byte offset where it was found.
///
/// The decoder is a pure function over bytes, so its faults are values that tests can compare
/// exactly; `SockDiagClient` turns them into `LinuxError` at the edge. Offsets count from the
/// start of the bytes handed to the decoder (plus the caller's `baseOffset`).
public struct NetlinkReplyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Hashable, Sendable {
        /// Fewer bytes remain than a `struct nlmsghdr` (16) needs.
        case truncatedHeader(available: Int)
        /// `nlmsg_len` is smaller than the 16-byte header itself.
        case messageLengthTooSmall(length: UInt32)
        /// `nlmsg_len` claims more bytes than remain in the buffer.
        case messageLengthOverrun(length: UInt32, available: Int)
        /// A message's payload is shorter than its fixed structure (`inet_diag_msg`, the error
        /// code of `NLMSG_ERROR` or `NLMSG_DONE`).
        case truncatedPayload(messageType: UInt16, needed: Int, available: Int)
        /// Fewer than 4 bytes remain for a `struct rtattr` header.
        case truncatedAttributeHeader(available: Int)
        /// `rta_len` is below the 4-byte header or beyond the bytes that remain in the message.
        case attributeLengthInvalid(length: UInt16, available: Int)
        /// An attribute's payload is shorter than its type requires.
        case attributePayloadTooShort(attributeType: UInt16, needed: Int, available: Int)
        /// `idiag_family` is neither `AF_INET` nor `AF_INET6`.
        case unexpectedFamily(UInt8)
        /// A message type this dump never produces.
        case unexpectedMessageType(UInt16)
        /// `NLMSG_OVERRUN`: the kernel lost data.
        case overrun
        /// `NLMSG_ERROR` with a non-zero code: the kernel refused the request.
        case kernelError(Errno)
        /// `NLMSG_DONE` whose error code is non-zero: the dump failed part way.
        case dumpFailed(Errno)
    }

    public var reason: Reason
    /// Byte offset of the faulty structure from the start of the decoded bytes.
    public var offset: Int

    public init(_ reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        switch reason {
        case .truncatedHeader(let available):
            "truncated nlmsghdr at byte \(offset): 16 bytes needed, \(available) left"
        case .messageLengthTooSmall(let length):
            "nlmsg_len \(length) at byte \(offset) is smaller than the 16-byte header"
        case .messageLengthOverrun(let length, let available):
            "nlmsg_len \(length) at byte \(offset) exceeds the \(available) bytes left"
        case .truncatedPayload(let type, let needed, let available):
            "message of type \(type) at byte \(offset) has \(available) payload bytes, \(needed) needed"
        case .truncatedAttributeHeader(let available):
            "truncated rtattr at byte \(offset): 4 bytes needed, \(available) left"
        case .attributeLengthInvalid(let length, let available):
            "rta_len \(length) at byte \(offset) is invalid (\(available) bytes left in the message)"
        case .attributePayloadTooShort(let type, let needed, let available):
            "attribute \(type) at byte \(offset) has \(available) payload bytes, \(needed) needed"
        case .unexpectedFamily(let family):
            "idiag_family \(family) at byte \(offset) is neither AF_INET nor AF_INET6"
        case .unexpectedMessageType(let type):
            "unexpected netlink message type \(type) at byte \(offset)"
        case .overrun:
            "NLMSG_OVERRUN at byte \(offset): the kernel dropped part of the reply"
        case .kernelError(let errno):
            "the kernel answered NLMSG_ERROR at byte \(offset): \(errno)"
        case .dumpFailed(let errno):
            "the dump ended with an error (NLMSG_DONE at byte \(offset)): \(errno)"
        }
    }
}
