import CSockDiag
import Glibc
import SystemPackage

/// A `NETLINK_SOCK_DIAG` socket and its reusable receive buffer; the one owner of the descriptor.
///
/// The socket is bound to the network namespace of the thread that created it, for its whole
/// life, whatever thread later uses it.
struct NetlinkSocket: ~Copyable {
    /// Bytes offered to each `recvmsg`.
    ///
    /// The kernel sizes each dump datagram from the largest buffer recvmsg was given, capped at
    /// 32 KiB (`netlink_recvmsg`: `max_recvmsg_len`, `SKB_WITH_OVERHEAD(32768)`), and queues one
    /// datagram per recvmsg (`netlink_dump`), so a bigger buffer buys nothing and SO_RCVBUF (212 KiB
    /// by default) never fills during a dump. 64 KiB leaves room should a kernel raise the cap;
    /// MSG_TRUNC still catches a datagram that does not fit.
    static let receiveBufferSize = 64 * 1024
    /// SO_RCVTIMEO: a dump that stalls this long is reported instead of hanging.
    static let receiveTimeoutSeconds = 10

    let descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer

    /// Opens a socket in the calling thread's network namespace.
    ///
    /// - Throws: `.netlinkUnavailable` if the kernel lacks NETLINK_SOCK_DIAG (EPROTONOSUPPORT,
    ///   EAFNOSUPPORT), `.permissionDenied` (EPERM, EACCES: seccomp, LSM), else `.systemCall`.
    init() throws(LinuxError) {
        let descriptor = try Self.openDescriptor()
        self.init(configuring: descriptor)
    }

    /// Opens a socket inside the network namespace of `namespace`.
    ///
    /// - Throws: as `init()`, and as `NetworkNamespaceFile.withThreadInside`.
    init(namespace: NetworkNamespaceFile) throws(LinuxError) {
        let opened = try namespace.withThreadInside { () -> Result<Int32, LinuxError> in
            do throws(LinuxError) { return .success(try Self.openDescriptor()) } catch { return .failure(error) }
        }
        switch opened {
        case .success(let descriptor): self.init(configuring: descriptor)
        case .failure(let error):
            throw LinuxError(
                error.code,
                "\(error.message) in the network namespace \(namespace.path)",
                errno: error.errno
            )
        }
    }

    private init(configuring descriptor: Int32) {
        // Best effort: without the timeout a stalled kernel could hang the dump, but the socket
        // still works, so a failure here is not worth refusing it.
        let timeout = timeval(tv_sec: Self.receiveTimeoutSeconds, tv_usec: 0)
        _ = systemSetSocketOption(descriptor, level: SOL_SOCKET, name: SO_RCVTIMEO, value: timeout)
        self.descriptor = descriptor
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.receiveBufferSize, alignment: 8)
    }

    deinit {
        closeDescriptor(descriptor)
        buffer.deallocate()
    }

    private static func openDescriptor() throws(LinuxError) -> Int32 {
        let type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        switch systemSocket(domain: AF_NETLINK, type: type, protocol: NETLINK_SOCK_DIAG) {
        case .success(let fd):
            return fd
        case .failure(let errno):
            let message = "cannot open a NETLINK_SOCK_DIAG socket"
            switch errno {
            case .protocolNotSupported, .addressFamilyNotSupported:
                throw LinuxError(.netlinkUnavailable, message, errno: errno)
            case .notPermitted, .permissionDenied:
                throw LinuxError(.permissionDenied, message, errno: errno)
            default:
                throw LinuxError(.systemCall, message, errno: errno)
            }
        }
    }

    /// Sends one request to the kernel.
    func send(_ request: [UInt8]) throws(LinuxError) {
        let sent = request.withUnsafeBytes { systemSendToKernel(descriptor, $0) }
        switch sent {
        case .success(let count) where count == request.count:
            return
        case .success(let count):
            throw LinuxError(.netlinkProtocol, "the kernel took \(count) of the \(request.count) request bytes")
        case .failure(let errno):
            let message = "cannot send the sock_diag request"
            switch errno {
            case .notPermitted, .permissionDenied: throw LinuxError(.permissionDenied, message, errno: errno)
            default: throw LinuxError(.systemCall, message, errno: errno)
            }
        }
    }

    /// Receives the next datagram from the kernel, skipping any sent by another process.
    ///
    /// - Returns: the datagram's bytes, valid until the next call.
    /// - Throws: `.netlinkProtocol` for a truncated or empty datagram, `.netlinkUnavailable` when
    ///   nothing arrives within `receiveTimeoutSeconds`, `.systemCall` otherwise.
    func receive() throws(LinuxError) -> UnsafeRawBufferPointer {
        while true {
            switch systemReceiveDatagram(descriptor, into: buffer) {
            case .success(let datagram):
                if datagram.truncated {
                    throw LinuxError(
                        .netlinkProtocol,
                        "a \(datagram.length)-byte netlink datagram did not fit the \(buffer.count)-byte receive buffer"
                    )
                }
                // Only the kernel (port 0) answers our requests; anything else is not ours to decode.
                if datagram.senderPort != 0 { continue }
                if datagram.length == 0 {
                    throw LinuxError(.netlinkProtocol, "the kernel sent an empty netlink datagram")
                }
                return UnsafeRawBufferPointer(rebasing: buffer[0..<datagram.length])
            case .failure(let errno):
                switch errno {
                case .resourceTemporarilyUnavailable:
                    throw LinuxError(
                        .netlinkUnavailable,
                        "the kernel sent no sock_diag reply within \(Self.receiveTimeoutSeconds) s",
                        errno: errno
                    )
                case .noBufferSpace:
                    throw LinuxError(.netlinkProtocol, "the netlink receive queue overflowed", errno: errno)
                default:
                    throw LinuxError(.systemCall, "cannot receive the sock_diag reply", errno: errno)
                }
            }
        }
    }
}
