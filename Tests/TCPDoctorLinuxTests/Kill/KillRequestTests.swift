import CSockDiag
import Glibc
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

/// The bytes of a SOCK_DESTROY request and the decoding of the kernel's ACKs, struct by struct.
struct KillRequestTests {
    @Test func bytesOfAnIPv4DestroyRequest() {
        let socket = SocketRecord(
            state: .closeWait,
            local: Endpoint(address: IPAddress(ipv4: 0x7f00_0001), port: 8000),
            remote: Endpoint(address: IPAddress(ipv4: 0x7f00_0002), port: 0x9c41),
            cookie: 0x0000_0001_0000_2001,
            interfaceIndex: 3
        )
        let bytes = InetDiagRequest.encodeDestroy(socket, sequence: 0x0102_0304)
        let expected: [UInt8] =
            [72, 0, 0, 0]  // nlmsg_len
            + [21, 0]  // nlmsg_type SOCK_DESTROY
            + [0x05, 0x00]  // NLM_F_REQUEST | NLM_F_ACK
            + [4, 3, 2, 1]  // nlmsg_seq
            + [0, 0, 0, 0]  // nlmsg_pid
            + [2, 6, 0, 0]  // AF_INET, IPPROTO_TCP, idiag_ext, pad
            + [0, 0, 0, 0]  // idiag_states: not read for one socket
            + [0x1f, 0x40, 0x9c, 0x41]  // idiag_sport 8000, idiag_dport 40001 (big-endian)
            + [127, 0, 0, 1] + [UInt8](repeating: 0, count: 12)  // idiag_src
            + [127, 0, 0, 2] + [UInt8](repeating: 0, count: 12)  // idiag_dst
            + [3, 0, 0, 0]  // idiag_if
            + [0x01, 0x20, 0, 0, 1, 0, 0, 0]  // idiag_cookie[0] (low), [1] (high)
        #expect(bytes == expected)
        #expect(MemoryLayout<inet_diag_req_v2>.size + 16 == bytes.count)
        #expect(MemoryLayout<inet_diag_req_v2>.offset(of: \inet_diag_req_v2.id) == 8)
        #expect(MemoryLayout<inet_diag_sockid>.offset(of: \inet_diag_sockid.idiag_cookie) == 40)
    }

    @Test func anIPv6RequestCarriesAllSixteenBytesAndARecordFromProcNoCookie() {
        let socket = SocketRecord(
            state: .established,
            local: Endpoint(address: IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1), port: 443),
            remote: Endpoint(address: IPAddress(ipv6High: 0, low: 0xffff_0a00_0005), port: 1)
        )
        let bytes = InetDiagRequest.encodeDestroy(socket, sequence: 1)
        #expect(bytes[16] == 10)  // AF_INET6
        #expect(Array(bytes[28..<44]) == [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1])
        #expect(Array(bytes[44..<60]) == [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 10, 0, 0, 5])
        #expect(Array(bytes[64..<72]) == [UInt8](repeating: 0xff, count: 8))  // INET_DIAG_NOCOOKIE
    }

    @Test func acksAreMatchedBySequenceAndBadOnesNamedByOffset() throws {
        // Two NLMSG_ERROR messages (a success and -ENOENT, capped: the request's header only),
        // then a NOOP.
        func ack(_ sequence: UInt32, _ error: Int32) -> [UInt8] {
            var message = [UInt8](repeating: 0, count: 36)
            message.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: UInt32(36), toByteOffset: 0, as: UInt32.self)
                raw.storeBytes(of: UInt16(NLMSG_ERROR), toByteOffset: 4, as: UInt16.self)
                raw.storeBytes(of: sequence, toByteOffset: 8, as: UInt32.self)
                raw.storeBytes(of: error, toByteOffset: 16, as: Int32.self)
            }
            return message
        }
        var noop = [UInt8](repeating: 0, count: 16)
        noop[0] = 16
        noop[4] = UInt8(NLMSG_NOOP)
        let stream = ack(7, 0) + ack(8, -ENOENT) + noop
        var acks: [NetlinkAckDecoder.Ack] = []
        try stream.withUnsafeBytes { raw in try NetlinkAckDecoder.decode(raw) { acks.append($0) } }
        #expect(acks == [.init(sequence: 7, error: 0), .init(sequence: 8, error: -ENOENT)])
        #expect(DestroyReply(acks[0]) == .destroyed)
        guard case .noSuchSocket(let errno) = DestroyReply(acks[1]) else {
            Issue.record("ENOENT is no such socket")
            return
        }
        #expect(errno.name == "ENOENT" && errno.value == ENOENT)

        var overrun = ack(9, 0)
        overrun[0] = 200
        #expect(throws: NetlinkReplyError(.messageLengthOverrun(length: 200, available: 36), offset: 36)) {
            try (ack(8, 0) + overrun).withUnsafeBytes { raw in try NetlinkAckDecoder.decode(raw) { _ in } }
        }
        let short = Array(ack(9, 0).prefix(18))
        #expect(throws: NetlinkReplyError.self) {
            try short.withUnsafeBytes { raw in try NetlinkAckDecoder.decode(raw) { _ in } }
        }
    }

    @Test(arguments: [(EPERM, "refused"), (EACCES, "refused"), (EOPNOTSUPP, "not_supported"), (EBUSY, "refused")])
    func everyErrnoHasOneOutcome(errno: Int32, outcome: String) {
        let reply = DestroyReply(NetlinkAckDecoder.Ack(sequence: 1, error: -errno))
        let socket = SocketRecord(
            state: .closeWait,
            local: Endpoint(address: .ipv4Any, port: 1),
            remote: Endpoint(address: .ipv4Any, port: 2)
        )
        let judged = KillOutcome.judge(reply, for: socket, after: KillVerification([socket]))
        #expect(judged.code == outcome)
        #expect(judged.errno?.value == errno)
    }
}
