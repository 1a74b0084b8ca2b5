import CSockDiag
import Glibc
import SystemPackage

// The NETLINK_SOCK_DIAG transport's datagrams.

/// sendto(2) of one datagram to the kernel's netlink address (`nl_pid` 0).
package func systemSendToKernel(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Result<Int, Errno> {
    var address = sockaddr_nl()
    address.nl_family = sa_family_t(AF_NETLINK)
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            valueOrErrno {
                Glibc.sendto(
                    fd,
                    bytes.baseAddress,
                    bytes.count,
                    0,
                    socketAddress,
                    socklen_t(MemoryLayout<sockaddr_nl>.size)
                )
            }
        }
    }
}

/// One datagram read by `systemReceiveDatagram`.
package struct ReceivedDatagram {
    /// The datagram's full length, which exceeds the buffer when it was truncated.
    package var length: Int
    package var truncated: Bool
    /// `nl_pid` of the sender: 0 for the kernel.
    package var senderPort: UInt32

    package init(length: Int, truncated: Bool, senderPort: UInt32) {
        self.length = length
        self.truncated = truncated
        self.senderPort = senderPort
    }
}

/// recvmsg(2) of one netlink datagram, with MSG_TRUNC so that the real length is reported.
///
/// EINTR is retried `interruptionRetries` times in a row, then returned.
package func systemReceiveDatagram(
    _ fd: Int32,
    into buffer: UnsafeMutableRawBufferPointer,
    interruptionRetries: Int
) -> Result<ReceivedDatagram, Errno> {
    var address = sockaddr_nl()
    var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
    return withUnsafeMutablePointer(to: &address) { addressPointer in
        withUnsafeMutablePointer(to: &vector) { vectorPointer in
            var message = msghdr()
            message.msg_name = UnsafeMutableRawPointer(addressPointer)
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
            message.msg_iov = vectorPointer
            message.msg_iovlen = 1
            return valueOrErrno(retryingInterruptions: interruptionRetries) {
                Glibc.recvmsg(fd, &message, Int32(MSG_TRUNC))
            }.map { length in
                ReceivedDatagram(
                    length: length,
                    truncated: length > buffer.count || message.msg_flags & Int32(MSG_TRUNC) != 0,
                    senderPort: addressPointer.pointee.nl_pid
                )
            }
        }
    }
}
