import SystemPackage
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

/// Malformed or refusing replies: each becomes a `NetlinkReplyError` with the right offset.
struct InetDiagDecoderBadInputTests {
    struct BadInput: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var expected: NetlinkReplyError
        var testDescription: String { name }
    }

    typealias B = NetlinkMessageBuilder
    static let diagMessage = B.inetDiagMessage()
    /// A full `SOCK_DIAG_BY_FAMILY` message without attributes is 16 + 72 bytes.
    static let socketLength = 88

    static let cases: [BadInput] = [
        BadInput(
            name: "nlmsghdr cut to 10 bytes",
            bytes: Array(B.done().prefix(10)),
            expected: .init(.truncatedHeader(available: 10), offset: 0)
        ),
        BadInput(
            name: "5 stray bytes after a message",
            bytes: B.socket() + [1, 2, 3, 4, 5],
            expected: .init(.truncatedHeader(available: 5), offset: socketLength)
        ),
        BadInput(
            name: "nlmsg_len larger than the buffer",
            bytes: B.message(type: 20, length: 200, payload: diagMessage),
            expected: .init(.messageLengthOverrun(length: 200, available: 88), offset: 0)
        ),
        BadInput(
            name: "nlmsg_len 0",
            bytes: B.message(type: 3, length: 0, payload: B.i32(0)),
            expected: .init(.messageLengthTooSmall(length: 0), offset: 0)
        ),
        BadInput(
            name: "nlmsg_len smaller than the header, after a good message",
            bytes: B.socket() + B.message(type: 3, length: 15, payload: B.i32(0)),
            expected: .init(.messageLengthTooSmall(length: 15), offset: socketLength)
        ),
        BadInput(
            name: "inet_diag_msg of 40 bytes",
            bytes: B.message(type: 20, payload: Array(diagMessage.prefix(40))),
            expected: .init(.truncatedPayload(messageType: 20, needed: 72, available: 40), offset: 0)
        ),
        BadInput(
            name: "short inet_diag_msg after a good one",
            bytes: B.socket() + B.message(type: 20, payload: Array(diagMessage.prefix(68))),
            expected: .init(.truncatedPayload(messageType: 20, needed: 72, available: 68), offset: socketLength)
        ),
        BadInput(
            name: "rta_len beyond the message",
            bytes: B.socket(attributes: B.attribute(type: 2, length: 300, payload: [0, 0, 0, 0])),
            expected: .init(.attributeLengthInvalid(length: 300, available: 8), offset: socketLength)
        ),
        BadInput(
            name: "rta_len smaller than the attribute header",
            bytes: B.socket(attributes: B.attribute(type: 8, length: 2, payload: [0, 0])),
            expected: .init(.attributeLengthInvalid(length: 2, available: 8), offset: socketLength)
        ),
        BadInput(
            name: "2 stray bytes after the attributes",
            bytes: B.message(type: 20, payload: diagMessage + B.attribute(type: 8, payload: [1]) + [0xaa, 0xbb]),
            expected: .init(.truncatedAttributeHeader(available: 2), offset: socketLength + 8)
        ),
        BadInput(
            name: "INET_DIAG_SHUTDOWN without its byte",
            bytes: B.socket(attributes: B.attribute(type: 8, payload: [])),
            expected: .init(.attributePayloadTooShort(attributeType: 8, needed: 1, available: 0), offset: socketLength)
        ),
        BadInput(
            name: "NLMSG_ERROR -EPERM",
            bytes: B.error(-1),
            expected: .init(.kernelError(.notPermitted), offset: 0)
        ),
        BadInput(
            name: "NLMSG_ERROR -EACCES after a record",
            bytes: B.socket() + B.error(-13),
            expected: .init(.kernelError(.permissionDenied), offset: socketLength)
        ),
        BadInput(
            name: "NLMSG_ERROR without its error code",
            bytes: B.message(type: 2, payload: []),
            expected: .init(.truncatedPayload(messageType: 2, needed: 4, available: 0), offset: 0)
        ),
        BadInput(
            name: "NLMSG_DONE with -ENOBUFS",
            bytes: B.socket() + B.done(error: -105),
            expected: .init(.dumpFailed(.noBufferSpace), offset: socketLength)
        ),
        BadInput(
            name: "NLMSG_DONE with a 2-byte payload",
            bytes: B.message(type: 3, payload: [0, 0]),
            expected: .init(.truncatedPayload(messageType: 3, needed: 4, available: 2), offset: 0)
        ),
        BadInput(
            name: "unknown message type 99",
            bytes: B.message(type: 99, payload: B.u32(0)),
            expected: .init(.unexpectedMessageType(99), offset: 0)
        ),
        BadInput(
            name: "NLMSG_OVERRUN",
            bytes: B.socket() + B.message(type: 4, payload: []),
            expected: .init(.overrun, offset: socketLength)
        ),
        BadInput(
            name: "idiag_family 7",
            bytes: B.message(type: 20, payload: B.inetDiagMessage(family: 7)),
            expected: .init(.unexpectedFamily(7), offset: 16)
        ),
    ]

    @Test(arguments: cases)
    func isAnErrorWithItsOffset(_ input: BadInput) {
        let options = InetDiagDecoder.Options(includeInfo: true, includeShutdown: true, sequence: 7)
        #expect(throws: input.expected) {
            try InetDiagDecoder.decodeAll(input.bytes, options: options)
        }
    }

    @Test func offsetsCountFromTheBaseOffset() {
        let outcome = B.error(-1).withUnsafeBytes { raw in
            Result { () throws(NetlinkReplyError) in
                try InetDiagDecoder.decode(raw, options: .init(), baseOffset: 65536) { _ in }
            }
        }
        #expect(throws: NetlinkReplyError(.kernelError(.notPermitted), offset: 65536)) { try outcome.get() }
    }

    @Test func messagesNameWhatAndWhere() {
        let error = NetlinkReplyError(.attributeLengthInvalid(length: 300, available: 8), offset: 88)
        #expect(error.description == "rta_len 300 at byte 88 is invalid (8 bytes left in the message)")
        let refused = NetlinkReplyError(.kernelError(.notPermitted), offset: 0)
        #expect(refused.description.hasPrefix("the kernel answered NLMSG_ERROR at byte 0: "))
    }

    /// How the client reports decoding faults and kernel refusals.
    @Test(arguments: [
        (NetlinkReplyError.Reason.kernelError(.notPermitted), LinuxError.Code.permissionDenied),
        (.kernelError(.permissionDenied), .permissionDenied),
        (.kernelError(.noSuchFileOrDirectory), .netlinkUnavailable),
        (.kernelError(.invalidArgument), .netlinkProtocol),
        (.dumpFailed(.noBufferSpace), .netlinkProtocol),
        (.messageLengthTooSmall(length: 0), .netlinkProtocol),
    ])
    func clientMapsToLinuxError(reason: NetlinkReplyError.Reason, code: LinuxError.Code) {
        let error = SockDiagClient.linuxError(NetlinkReplyError(reason, offset: 120), family: .ipv6, datagram: 3)
        #expect(error.code == code)
        #expect(error.message.contains("IPv6"))
        #expect(error.message.contains("byte 120"))
    }
}
