import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Destroying sockets (`SOCK_DESTROY`), pipelined: many requests per `sendmsg`, each with its own
/// `nlmsg_seq`, then every ACK read and matched to its request by sequence number.
///
/// The kernel handles every message of a datagram in turn (`netlink_rcv_skb`) before `sendmsg`
/// returns, queueing one ACK per request on this socket; an ACK that does not fit the receive
/// buffer is dropped (and the socket reports ENOBUFS). So a batch holds no more requests than the
/// buffer has room for ACKs: the buffer is raised first (SO_RCVBUFFORCE, which CAP_NET_ADMIN
/// allows and destroying needs anyway; else SO_RCVBUF up to `net.core.rmem_max`), and
/// NETLINK_CAP_ACK keeps a failure's ACK from echoing the whole request.
extension SockDiagClient {
    /// The receive buffer asked for: room for the ACKs of `maximumBatch` requests many times over.
    static let destroyReceiveBuffer: Int32 = 8 << 20
    /// Bytes of receive buffer one queued ACK takes (its skb's truesize is about 768).
    static let bufferPerAck = 1024
    /// Requests per `sendmsg`: 2048 × 72 bytes fit the default socket send buffer (212,992 bytes).
    static let maximumBatch = 2048

    /// What one `destroy` call did, for the report.
    public struct DestroyRun: Sendable {
        /// One reply per socket, in the order given.
        public var replies: [DestroyReply]
        /// `sendmsg` calls made.
        public var batches: Int
    }

    /// Asks the kernel to destroy each of `sockets` (all of this client's namespace).
    ///
    /// Never throws: a failure is the reply of the requests it concerns, so one error never
    /// stops the rest.
    ///
    /// - Returns: one reply per socket, in the order given.
    public func destroy(_ sockets: [SocketRecord]) -> DestroyRun {
        var replies = [DestroyReply?](repeating: nil, count: sockets.count)
        let batchSize = prepareForAcknowledgements()
        var batches = 0
        var start = 0
        while start < sockets.count {
            let end = min(sockets.count, start + batchSize)
            destroyBatch(sockets, start..<end, into: &replies)
            batches += 1
            start = end
        }
        let unanswered = DestroyReply.failed(nil, reason: "the kernel sent no answer to the request")
        return DestroyRun(replies: replies.map { $0 ?? unanswered }, batches: batches)
    }

    /// Raises the receive buffer and caps ACKs; returns how many requests a batch may hold.
    private func prepareForAcknowledgements() -> Int {
        let fd = socket.descriptor
        if case .failure = systemSetSocketOption(
            fd,
            level: SOL_SOCKET,
            name: SO_RCVBUFFORCE,
            value: Self.destroyReceiveBuffer
        ) {
            _ = systemSetSocketOption(fd, level: SOL_SOCKET, name: SO_RCVBUF, value: Self.destroyReceiveBuffer)
        }
        // Best effort: without it a failure's ACK is 72 bytes longer, which the margin covers.
        _ = systemSetSocketOption(fd, level: SOL_NETLINK, name: NETLINK_CAP_ACK, value: Int32(1))
        let receive = (try? systemGetSocketOption(fd, level: SOL_SOCKET, name: SO_RCVBUF, initial: Int32(0)).get()) ?? 0
        // A datagram longer than the send buffer less 32 bytes is refused (EMSGSIZE).
        let send = (try? systemGetSocketOption(fd, level: SOL_SOCKET, name: SO_SNDBUF, initial: Int32(0)).get()) ?? 0
        let fitting = min(Int(receive) / Self.bufferPerAck, (Int(send) - 32) / InetDiagRequest.size)
        return max(1, min(Self.maximumBatch, fitting))
    }

    /// Sends the requests for `sockets[range]` in one datagram and reads their ACKs.
    private func destroyBatch(_ sockets: [SocketRecord], _ range: Range<Int>, into replies: inout [DestroyReply?]) {
        let first = sequence &+ 1
        sequence &+= UInt32(range.count)
        var bytes = [UInt8](repeating: 0, count: range.count * InetDiagRequest.size)
        bytes.withUnsafeMutableBytes { raw in
            for (slot, index) in range.enumerated() {
                let message = UnsafeMutableRawBufferPointer(
                    rebasing: raw[(slot * InetDiagRequest.size)..<((slot + 1) * InetDiagRequest.size)]
                )
                InetDiagRequest.writeDestroy(sockets[index], sequence: first &+ UInt32(slot), into: message)
            }
        }
        do throws(LinuxError) {
            try socket.send(bytes)
        } catch {
            for index in range {
                replies[index] = .failed(error.errno.map(KernelErrno.init), reason: "cannot send the request: \(error)")
            }
            return
        }
        var pending = range.count
        var streamOffset = 0
        while pending > 0 {
            let datagram: UnsafeRawBufferPointer
            do throws(LinuxError) {
                datagram = try socket.receive()
            } catch {
                let reason = "no answer from the kernel: \(error)"
                for index in range where replies[index] == nil {
                    replies[index] = .failed(error.errno.map(KernelErrno.init), reason: reason)
                }
                return
            }
            do throws(NetlinkReplyError) {
                try NetlinkAckDecoder.decode(datagram, baseOffset: streamOffset) { ack in
                    let slot = Int(ack.sequence &- first)
                    guard slot >= 0, slot < range.count, replies[range.lowerBound + slot] == nil else { return }
                    replies[range.lowerBound + slot] = DestroyReply(ack)
                    pending -= 1
                }
            } catch {
                for index in range where replies[index] == nil {
                    replies[index] = .failed(nil, reason: "malformed answer from the kernel: \(error)")
                }
                return
            }
            streamOffset += datagram.count
        }
    }
}

extension DestroyReply {
    /// What an ACK means for the socket its request named.
    init(_ ack: NetlinkAckDecoder.Ack) {
        guard let errno = ack.errno else {
            self = .destroyed
            return
        }
        let kernel = KernelErrno(errno)
        switch errno.rawValue {
        case ENOENT, ESTALE: self = .noSuchSocket(kernel)
        case EPERM, EACCES: self = .notPermitted(kernel)
        case EOPNOTSUPP: self = .notSupported(kernel)
        default: self = .failed(kernel, reason: "the kernel answered \(kernel)")
        }
    }
}

extension KernelErrno {
    /// The value of an `Errno`, with its symbolic name where tcpdoctor knows it.
    public init(_ errno: Errno) {
        let names: [Int32: String] = [
            EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM",
            EACCES: "EACCES", EBUSY: "EBUSY", EINVAL: "EINVAL", ENOBUFS: "ENOBUFS", EOPNOTSUPP: "EOPNOTSUPP",
            EPROTONOSUPPORT: "EPROTONOSUPPORT", EAFNOSUPPORT: "EAFNOSUPPORT", ESTALE: "ESTALE",
            ECONNABORTED: "ECONNABORTED", ENOSYS: "ENOSYS", EBADF: "EBADF",
        ]
        // swift-system's description is the C library's strerror text.
        self.init(
            value: errno.rawValue,
            name: names[errno.rawValue] ?? "errno \(errno.rawValue)",
            text: errno.description
        )
    }
}
