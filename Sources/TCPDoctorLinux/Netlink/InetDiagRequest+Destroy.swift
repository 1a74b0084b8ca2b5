import CSockDiag
import Glibc
import TCPDoctorCore

/// The `SOCK_DESTROY` request: the dump request's layout, naming one socket by its full id.
///
/// Layout (72 bytes): `nlmsghdr` with type `SOCK_DESTROY` (21) and `NLM_F_REQUEST | NLM_F_ACK`, then
/// `inet_diag_req_v2` { u8 sdiag_family, u8 sdiag_protocol (TCP), u8 idiag_ext 0, u8 pad,
/// u32 idiag_states 0, `inet_diag_sockid` { be16 idiag_sport @24, be16 idiag_dport @26,
/// be32 idiag_src[4] @28, be32 idiag_dst[4] @44, u32 idiag_if @60, u32 idiag_cookie[2] @64 } }.
/// The kernel looks the socket up by tuple and interface (`inet_diag_find_one_icsk`), then
/// compares the cookie: a new socket on the same tuple has another cookie, and the request is
/// answered ENOENT instead of destroying it. It needs CAP_NET_ADMIN over the socket's namespace
/// and CONFIG_INET_DIAG_DESTROY (`tcp_diag_destroy`), and answers every request with an ACK
/// (`NLMSG_ERROR`, 0 or a negative errno) carrying the request's `nlmsg_seq`.
extension InetDiagRequest {
    /// `nlmsg_flags` of a destroy request: answered by an ACK whatever the outcome.
    static let destroyFlags = UInt16(NLM_F_REQUEST | NLM_F_ACK)

    /// `idiag_cookie`'s "no cookie" value: the kernel then skips the cookie check.
    static let noCookie = UInt32.max

    /// The request bytes that destroy `socket`.
    ///
    /// - Parameters:
    ///   - socket: The socket as a dump reported it; its cookie guards against a new socket on
    ///     the same tuple. A record from /proc (cookie 0) is sent without a cookie.
    ///   - sequence: `nlmsg_seq`; the kernel's ACK carries it back.
    /// - Returns: `size` bytes.
    public static func encodeDestroy(_ socket: SocketRecord, sequence: UInt32) -> [UInt8] {
        request(size: size, type: UInt16(SOCK_DESTROY), flags: destroyFlags, sequence: sequence) { raw in
            writeDestroyBody(socket, into: raw)
        }
    }

    /// Writes the request that destroys `socket` into the `size` bytes at the start of `raw`
    /// (zeroed), for a batch of requests in one buffer.
    static func writeDestroy(_ socket: SocketRecord, sequence: UInt32, into raw: UnsafeMutableRawBufferPointer) {
        writeHeader(into: raw, size: size, type: UInt16(SOCK_DESTROY), flags: destroyFlags, sequence: sequence)
        writeDestroyBody(socket, into: raw)
    }

    private static func writeDestroyBody(_ socket: SocketRecord, into raw: UnsafeMutableRawBufferPointer) {
        raw[16] = addressFamily(socket.local.address.family)
        raw[17] = UInt8(IPPROTO_TCP)
        raw.storeBytes(of: socket.local.port.bigEndian, toByteOffset: 24, as: UInt16.self)
        raw.storeBytes(of: socket.remote.port.bigEndian, toByteOffset: 26, as: UInt16.self)
        writeAddress(socket.local.address, into: raw, at: 28)
        writeAddress(socket.remote.address, into: raw, at: 44)
        raw.storeBytes(of: socket.interfaceIndex, toByteOffset: 60, as: UInt32.self)
        let (low, high) =
            socket.cookie == 0
            ? (noCookie, noCookie) : (UInt32(truncatingIfNeeded: socket.cookie), UInt32(socket.cookie >> 32))
        raw.storeBytes(of: low, toByteOffset: 64, as: UInt32.self)
        raw.storeBytes(of: high, toByteOffset: 68, as: UInt32.self)
    }

    /// An address as `idiag_src`/`idiag_dst` hold it: IPv4 in word 0, IPv6 in all four, network order.
    private static func writeAddress(_ address: IPAddress, into raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        switch address.family {
        case .ipv4:
            raw.storeBytes(of: UInt32(truncatingIfNeeded: address.low).bigEndian, toByteOffset: offset, as: UInt32.self)
        case .ipv6:
            raw.storeBytes(of: address.high.bigEndian, toByteOffset: offset, as: UInt64.self)
            raw.storeBytes(of: address.low.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
        }
    }
}
