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

    @Test func bytesOfARequestForBothFamilies() {
        let bytes = InetDiagRequest.encodeBothFamilies(
            states: TCPStateSet([.closeWait, .timeWait]),
            includeInfo: true,
            sequence: 0x0102_0304
        )
        let expected: [UInt8] =
            [76, 0, 0, 0]  // nlmsg_len
            + [18, 0]  // nlmsg_type TCPDIAG_GETSOCK
            + [0x01, 0x03]  // NLM_F_REQUEST | NLM_F_DUMP (0x301)
            + [4, 3, 2, 1]  // nlmsg_seq
            + [0, 0, 0, 0]  // nlmsg_pid
            + [2, 0, 0, 0x02]  // idiag_family (unread for a dump), src_len, dst_len, idiag_ext
            + [UInt8](repeating: 0, count: 48)  // inet_diag_sockid: no filter
            + [0x40, 0x01, 0, 0]  // idiag_states: 1 << 6 | 1 << 8
            + [0, 0, 0, 0]  // idiag_dbs
        #expect(bytes == expected)
        #expect(MemoryLayout<inet_diag_req>.size + 16 == InetDiagRequest.bothFamiliesSize)
        #expect(MemoryLayout<inet_diag_req>.offset(of: \inet_diag_req.idiag_states) == 52)
    }

    @Test func aQueryIsSplitWhereTCPInfoIsAskedForSomeStatesOnly() {
        let closeWait = TCPStateSet(.closeWait)
        let cheap = SockDiagQuery(includeInfo: true, infoStates: closeWait, includeShutdown: true)
        let parts = cheap.uniformParts
        #expect(parts.count == 2)
        #expect(parts[0].states == closeWait && parts[0].includeInfo)
        #expect(parts[1].states == TCPStateSet.all.subtracting(closeWait) && !parts[1].includeInfo)
        #expect(parts.allSatisfy { $0.includeShutdown && $0.families == [.ipv4, .ipv6] && $0.uniformParts == [$0] })
        // Nothing to split: every state with tcp_info, none, or only states that get it.
        #expect(SockDiagQuery(includeInfo: true).uniformParts.count == 1)
        #expect(SockDiagQuery(includeInfo: false, infoStates: closeWait).uniformParts.count == 1)
        #expect(SockDiagQuery(states: closeWait, includeInfo: true, infoStates: closeWait).uniformParts.count == 1)
        // Only states without it: one dump, without tcp_info.
        let listen = SockDiagQuery(states: TCPStateSet(.listen), includeInfo: true, infoStates: closeWait)
        #expect(listen.uniformParts.map(\.includeInfo) == [false])
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
