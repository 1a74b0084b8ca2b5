import CSockDiag
import Glibc
import TCPDoctorCore

/// Encodes the `SOCK_DIAG_BY_FAMILY` dump request: a `struct nlmsghdr` followed by a
/// `struct inet_diag_req_v2`.
///
/// Layout (72 bytes, host byte order except where noted):
/// `nlmsghdr` { u32 nlmsg_len, u16 nlmsg_type, u16 nlmsg_flags, u32 nlmsg_seq, u32 nlmsg_pid },
/// `inet_diag_req_v2` { u8 sdiag_family, u8 sdiag_protocol, u8 idiag_ext, u8 pad,
/// u32 idiag_states, `inet_diag_sockid` id (48 bytes, all zero: no socket filter) }.
public enum InetDiagRequest {
    /// Size of the encoded request: `NLMSG_LENGTH(sizeof(struct inet_diag_req_v2))`.
    public static let size = 16 + 56

    /// The request bytes for one dump.
    ///
    /// - Parameters:
    ///   - family: `AF_INET` or `AF_INET6`; the kernel dumps one family per request.
    ///   - states: the states to return; see `kernelStateMask(_:)`.
    ///   - includeInfo: set the `INET_DIAG_INFO` bit of `idiag_ext` (a `tcp_info` per socket).
    ///   - sequence: `nlmsg_seq`; every reply message carries it back.
    /// - Returns: `size` bytes ready for `send`.
    public static func encode(
        family: IPAddress.Family,
        states: TCPStateSet,
        includeInfo: Bool,
        sequence: UInt32
    ) -> [UInt8] {
        request(size: size, type: UInt16(SOCK_DIAG_BY_FAMILY), flags: dumpFlags, sequence: sequence) { raw in
            raw[16] = addressFamily(family)
            raw[17] = UInt8(IPPROTO_TCP)
            raw[18] = extensionMask(includeInfo: includeInfo)
            raw.storeBytes(of: kernelStateMask(states), toByteOffset: 20, as: UInt32.self)
        }
    }

    /// Size of the encoded request for both families at once:
    /// `NLMSG_LENGTH(sizeof(struct inet_diag_req))`.
    public static let bothFamiliesSize = 16 + 60

    /// The request bytes for one dump of both families: the older `TCPDIAG_GETSOCK` request.
    ///
    /// Layout (76 bytes): `nlmsghdr` as above with type `TCPDIAG_GETSOCK` (18), then
    /// `inet_diag_req` { u8 idiag_family, u8 idiag_src_len, u8 idiag_dst_len, u8 idiag_ext,
    /// `inet_diag_sockid` id (48 bytes), u32 idiag_states, u32 idiag_dbs }. The kernel dumps this
    /// request with `sdiag_family = AF_UNSPEC` (`inet_diag_dump_compat`): IPv4 and IPv6 sockets in
    /// one walk of the shared hash tables, where two `SOCK_DIAG_BY_FAMILY` requests walk them
    /// twice (the walk alone is about 40 ms of kernel time at 200k sockets). Replies carry type
    /// `TCPDIAG_GETSOCK` and the usual `inet_diag_msg`, each with its own family.
    public static func encodeBothFamilies(states: TCPStateSet, includeInfo: Bool, sequence: UInt32) -> [UInt8] {
        request(size: bothFamiliesSize, type: UInt16(TCPDIAG_GETSOCK), flags: dumpFlags, sequence: sequence) { raw in
            // idiag_family is not read for a dump; AF_INET as iproute2's old requests did.
            raw[16] = UInt8(AF_INET)
            raw[19] = extensionMask(includeInfo: includeInfo)
            raw.storeBytes(of: kernelStateMask(states), toByteOffset: 16 + 52, as: UInt32.self)
        }
    }

    /// `nlmsg_flags` of a dump request.
    static let dumpFlags = UInt16(NLM_F_REQUEST | NLM_F_DUMP)

    /// `size` zeroed bytes with the `nlmsghdr` of a request of `type`, the request's own fields
    /// written by `body` after it.
    static func request(
        size: Int,
        type: UInt16,
        flags: UInt16,
        sequence: UInt32,
        _ body: (UnsafeMutableRawBufferPointer) -> Void
    ) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { raw in
            writeHeader(into: raw, size: size, type: type, flags: flags, sequence: sequence)
            body(raw)
        }
        return bytes
    }

    /// Writes a `nlmsghdr` at the start of `raw`: the one header writer of every request.
    /// `nlmsg_pid` stays 0 (as zeroed): the message goes to the kernel.
    static func writeHeader(
        into raw: UnsafeMutableRawBufferPointer,
        size: Int,
        type: UInt16,
        flags: UInt16,
        sequence: UInt32
    ) {
        raw.storeBytes(of: UInt32(size), toByteOffset: 0, as: UInt32.self)
        raw.storeBytes(of: type, toByteOffset: 4, as: UInt16.self)
        raw.storeBytes(of: flags, toByteOffset: 6, as: UInt16.self)
        raw.storeBytes(of: sequence, toByteOffset: 8, as: UInt32.self)
    }

    /// `idiag_states` for a set of states.
    ///
    /// Request sockets live in the kernel as `TCP_NEW_SYN_RECV` (12) but are reported as
    /// `TCP_SYN_RECV` (3). Kernels since 4.4 add the `TCPF_NEW_SYN_RECV` bit themselves when the
    /// `TCPF_SYN_RECV` bit is set (`inet_diag_dump_icsk`, now `tcp_diag_dump`); setting both here
    /// makes "syn-recv" return request sockets on every kernel, and asking for either state alone
    /// asks for both.
    public static func kernelStateMask(_ states: TCPStateSet) -> UInt32 {
        let synStates = TCPStateSet([.synReceived, .newSynReceived])
        var mask = states
        if !states.isDisjoint(with: synStates) { mask.formUnion(synStates) }
        return mask.rawValue
    }

    /// `idiag_ext`: bit `n - 1` asks for attribute `n`.
    ///
    /// `INET_DIAG_SHUTDOWN` needs no bit: the kernel always sends it for full sockets.
    public static func extensionMask(includeInfo: Bool) -> UInt8 {
        includeInfo ? UInt8(1 << (INET_DIAG_INFO - 1)) : 0
    }

    /// `sdiag_family` for an address family.
    public static func addressFamily(_ family: IPAddress.Family) -> UInt8 {
        switch family {
        case .ipv4: UInt8(AF_INET)
        case .ipv6: UInt8(AF_INET6)
        }
    }
}
