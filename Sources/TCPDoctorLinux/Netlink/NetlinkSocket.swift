import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorSystem

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
    static let defaultReceiveTimeout = Duration.seconds(10)
    /// How many signals in a row one receive sits out (EINTR) before it reports the
    /// interruption: enough for the odd SIGCHLD or SIGWINCH, few enough that a stream of signals
    /// cannot restart the timeout for ever.
    static let interruptionRetries = 8

    let descriptor: Int32
    /// What SO_RCVTIMEO was set to; the time-out message quotes it.
    let receiveTimeout: Duration
    /// An error to return at one step in place of the kernel's answer (tests of error handling).
    private let fault: NetlinkFault?
    private let buffer: UnsafeMutableRawBufferPointer

    /// Opens a socket in the calling thread's network namespace.
    ///
    /// - Parameters:
    ///   - receiveTimeout: how long one receive waits for the kernel.
    ///   - fault: an error the socket reports at one step instead of the kernel's answer; nil
    ///     outside tests.
    /// - Throws: `.netlinkUnavailable` if the kernel lacks NETLINK_SOCK_DIAG (EPROTONOSUPPORT,
    ///   EAFNOSUPPORT, EOPNOTSUPP), `.permissionDenied` (EPERM, EACCES: seccomp, LSM), else
    ///   `.systemCall`.
    init(receiveTimeout: Duration = defaultReceiveTimeout, fault: NetlinkFault? = nil) throws(LinuxError) {
        let descriptor = try Self.openDescriptor(fault: fault)
        self.init(configuring: descriptor, receiveTimeout: receiveTimeout, fault: fault)
    }

    /// Opens a socket inside the network namespace of `namespace`.
    ///
    /// - Throws: as `init()`, and as `NetworkNamespaceFile.withThreadInside`.
    init(
        namespace: NetworkNamespaceFile,
        receiveTimeout: Duration = defaultReceiveTimeout,
        fault: NetlinkFault? = nil
    ) throws(LinuxError) {
        let opened = try namespace.withThreadInside { () -> Result<Int32, LinuxError> in
            do throws(LinuxError) { return .success(try Self.openDescriptor(fault: fault)) } catch {
                return .failure(error)
            }
        }
        switch opened {
        case .success(let descriptor): self.init(configuring: descriptor, receiveTimeout: receiveTimeout, fault: fault)
        case .failure(let error):
            throw LinuxError(
                error.code,
                "\(error.message) in the network namespace \(namespace.path)",
                errno: error.errno
            )
        }
    }

    private init(configuring descriptor: Int32, receiveTimeout: Duration, fault: NetlinkFault?) {
        // Best effort: without the timeout a stalled kernel could hang the dump, but the socket
        // still works, so a failure here is not worth refusing it.
        let (seconds, attoseconds) = receiveTimeout.components
        let timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        _ = systemSetSocketOption(descriptor, level: SOL_SOCKET, name: SO_RCVTIMEO, value: timeout)
        self.descriptor = descriptor
        self.receiveTimeout = receiveTimeout
        self.fault = fault
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.receiveBufferSize, alignment: 8)
    }

    deinit {
        closeDescriptor(descriptor)
        buffer.deallocate()
    }

    private static func openDescriptor(fault: NetlinkFault?) throws(LinuxError) -> Int32 {
        let type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let opened =
            if let fault, fault.step == .open {
                Result<Int32, Errno>.failure(fault.errno)
            } else {
                systemSocket(domain: AF_NETLINK, type: type, protocol: NETLINK_SOCK_DIAG)
            }
        switch opened {
        case .success(let fd):
            return fd
        case .failure(let errno):
            let message = "cannot open a NETLINK_SOCK_DIAG socket"
            switch errno {
            case .protocolNotSupported, .addressFamilyNotSupported, .notSupported:
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
    /// - Throws: `.netlinkProtocol` for a truncated or empty datagram or an overflowed queue,
    ///   `.netlinkTimedOut` when nothing arrives within `receiveTimeout` (EAGAIN),
    ///   `.netlinkInterrupted` after `interruptionRetries` signals in a row (EINTR),
    ///   `.netlinkUnavailable` for EOPNOTSUPP, `.systemCall` otherwise.
    func receive() throws(LinuxError) -> UnsafeRawBufferPointer {
        while true {
            let received =
                if let fault, fault.step == .receive {
                    Result<ReceivedDatagram, Errno>.failure(fault.errno)
                } else {
                    systemReceiveDatagram(descriptor, into: buffer, interruptionRetries: Self.interruptionRetries)
                }
            switch received {
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
                throw Self.receiveError(errno, timeout: receiveTimeout)
            }
        }
    }

    /// The `LinuxError` for a failed recvmsg: each cause its own code, because only a missing
    /// feature justifies reading /proc instead.
    static func receiveError(_ errno: Errno, timeout: Duration) -> LinuxError {
        switch errno {
        case .resourceTemporarilyUnavailable:
            LinuxError(.netlinkTimedOut, "the kernel sent no reply within \(timeout) (timed out)", errno: errno)
        case .interrupted:
            LinuxError(
                .netlinkInterrupted,
                "receiving the reply was interrupted by \(interruptionRetries + 1) signals in a row",
                errno: errno
            )
        case .notSupported, .protocolNotSupported:
            LinuxError(.netlinkUnavailable, "the kernel does not support receiving the reply", errno: errno)
        case .noBufferSpace:
            LinuxError(.netlinkProtocol, "the netlink receive queue overflowed", errno: errno)
        default:
            LinuxError(.systemCall, "cannot receive the reply", errno: errno)
        }
    }
}

/// An error a `NetlinkSocket` returns at one step in place of the kernel's answer.
///
/// How the snapshot treats a time-out, an interruption or a missing feature cannot be tested
/// against a kernel that answers at once and supports sock_diag everywhere; the fault replaces
/// the errno of one real call, and everything after it (the mapping to `LinuxError`, the choice
/// of fallback) runs as in production.
struct NetlinkFault: Hashable, Sendable {
    enum Step: Hashable, Sendable {
        /// socket(2).
        case open
        /// recvmsg(2), after the request was really sent.
        case receive
    }

    var step: Step
    var errno: Errno
}
