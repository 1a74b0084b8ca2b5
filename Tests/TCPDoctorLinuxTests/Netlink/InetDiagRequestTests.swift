import CSockDiag
import Glibc
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

struct InetDiagRequestTests {
    @Test func bytesOfAnIPv6RequestWithInfo() {
        let bytes = InetDiagRequest.encode(
            family: .ipv6,
            states: TCPStateSet([.closeWait, .timeWait]),
            includeInfo: true,
            sequence: 0x0102_0304
        )
        let expected: [UInt8] =
            [72, 0, 0, 0]  // nlmsg_len
            + [20, 0]  // nlmsg_type SOCK_DIAG_BY_FAMILY
            + [0x01, 0x03]  // NLM_F_REQUEST | NLM_F_DUMP (0x301)
            + [4, 3, 2, 1]  // nlmsg_seq
            + [0, 0, 0, 0]  // nlmsg_pid
            + [10, 6, 0x02, 0]  // AF_INET6, IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), pad
            + [0x40, 0x01, 0, 0]  // idiag_states: 1 << 6 | 1 << 8
            + [UInt8](repeating: 0, count: 48)  // inet_diag_sockid: no filter
        #expect(bytes == expected)
    }

    /// The hand-written offsets agree with the kernel header's structs.
    @Test func layoutMatchesTheKernelHeaders() {
        var header = nlmsghdr()
        header.nlmsg_len = 72
        header.nlmsg_type = UInt16(SOCK_DIAG_BY_FAMILY)
        header.nlmsg_flags = UInt16(NLM_F_REQUEST | NLM_F_DUMP)
        header.nlmsg_seq = 99
        var request = inet_diag_req_v2()
        request.sdiag_family = UInt8(AF_INET)
        request.sdiag_protocol = UInt8(IPPROTO_TCP)
        request.idiag_ext = 0
        request.idiag_states = TCPStateSet.all.rawValue
        let expected = withUnsafeBytes(of: header, Array.init) + withUnsafeBytes(of: request, Array.init)
        let encoded = InetDiagRequest.encode(family: .ipv4, states: .all, includeInfo: false, sequence: 99)
        #expect(encoded == expected)
        #expect(MemoryLayout<inet_diag_msg>.size == InetDiagDecoder.messageSize)
        #expect(MemoryLayout<inet_diag_msg>.offset(of: \inet_diag_msg.idiag_inode) == 68)
        #expect(MemoryLayout<inet_diag_msg>.offset(of: \inet_diag_msg.idiag_expires) == 52)
        #expect(MemoryLayout<inet_diag_sockid>.offset(of: \inet_diag_sockid.idiag_cookie) == 40)
    }

    static let synReceivedBits: UInt32 = 0x1008  // 1 << 3 | 1 << 12
    static let stateMasks: [(TCPStateSet, UInt32)] = [
        (TCPStateSet(.synReceived), synReceivedBits),
        (TCPStateSet(.newSynReceived), synReceivedBits),
        (TCPStateSet([.closeWait, .listen]), 0x500),
        (TCPStateSet.all, 0x1ffe),
        (TCPStateSet(), 0),
    ]

    @Test(arguments: stateMasks)
    func stateMask(states: TCPStateSet, mask: UInt32) {
        #expect(InetDiagRequest.kernelStateMask(states) == mask)
    }

    @Test func extensionBits() {
        #expect(InetDiagRequest.extensionMask(includeInfo: false) == 0)
        #expect(InetDiagRequest.extensionMask(includeInfo: true) == 0x02)
    }
}
