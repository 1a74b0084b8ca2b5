import CSockDiag
import Glibc
import SystemPackage

// Every raw libc call of TCPDoctorLinux lives in this file. Read errno right after the call;
// retry EINTR here and nowhere else; never retry close().

/// Calls `body` until it does not fail with EINTR; returns its result or the `Errno` it set.
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
    while true {
        let result = body()
        if result != -1 { return .success(result) }
        let error = Errno(rawValue: Glibc.errno)
        if error != .interrupted { return .failure(error) }
    }
}

/// Closes a descriptor once; EINTR is not retried because Linux has already released the fd.
@inline(__always)
func closeDescriptor(_ fd: Int32) {
    _ = Glibc.close(fd)
}

// MARK: netlink
// Calls used by Netlink/ (NETLINK_SOCK_DIAG transport and network namespace entry).

/// socket(2).
func systemSocket(domain: Int32, type: Int32, protocol proto: Int32) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.socket(domain, type, proto) }
}

/// setsockopt(2) with a value of any fixed layout (`timeval`, `Int32`).
func systemSetSocketOption<Value: BitwiseCopyable>(
    _ fd: Int32,
    level: Int32,
    name: Int32,
    value: Value
) -> Result<Void, Errno> {
    withUnsafeBytes(of: value) { bytes in
        valueOrErrno { Glibc.setsockopt(fd, level, name, bytes.baseAddress, socklen_t(bytes.count)) }.map { _ in () }
    }
}

/// sendto(2) of one datagram to the kernel's netlink address (`nl_pid` 0).
func systemSendToKernel(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Result<Int, Errno> {
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
struct ReceivedDatagram {
    /// The datagram's full length, which exceeds the buffer when it was truncated.
    var length: Int
    var truncated: Bool
    /// `nl_pid` of the sender: 0 for the kernel.
    var senderPort: UInt32
}

/// recvmsg(2) of one netlink datagram, with MSG_TRUNC so that the real length is reported.
func systemReceiveDatagram(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<ReceivedDatagram, Errno> {
    var address = sockaddr_nl()
    var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
    return withUnsafeMutablePointer(to: &address) { addressPointer in
        withUnsafeMutablePointer(to: &vector) { vectorPointer in
            var message = msghdr()
            message.msg_name = UnsafeMutableRawPointer(addressPointer)
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
            message.msg_iov = vectorPointer
            message.msg_iovlen = 1
            return valueOrErrno { Glibc.recvmsg(fd, &message, Int32(MSG_TRUNC)) }.map { length in
                ReceivedDatagram(
                    length: length,
                    truncated: length > buffer.count || message.msg_flags & Int32(MSG_TRUNC) != 0,
                    senderPort: addressPointer.pointee.nl_pid
                )
            }
        }
    }
}

/// open(2) read-only with O_CLOEXEC.
func systemOpenReadOnly(_ path: String) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
}

/// The inode of an open file (fstat(2) `st_ino`).
func systemInode(ofDescriptor fd: Int32) -> Result<UInt64, Errno> {
    var status = Glibc.stat()
    return valueOrErrno { Glibc.fstat(fd, &status) }.map { _ in UInt64(status.st_ino) }
}

/// setns(fd, CLONE_NEWNET) for the calling thread.
func systemEnterNetworkNamespace(_ fd: Int32) -> Result<Void, Errno> {
    valueOrErrno { csd_setns_net(fd) }.map { _ in () }
}

/// Runs `body` on a new POSIX thread and waits for it to end.
///
/// Used to enter another network namespace without touching the caller's thread: the new
/// thread's namespace dies with it.
func systemRunOnNewThread(_ body: () -> Void) -> Result<Void, Errno> {
    withoutActuallyEscaping(body) { escapable in
        let context = Unmanaged.passRetained(ThreadBody(escapable)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread,
            nil,
            { raw in
                guard let raw else { return nil }
                Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().body()
                return nil
            },
            context
        )
        guard created == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            return .failure(Errno(rawValue: created))
        }
        _ = pthread_join(thread, nil)
        return .success(())
    }
}

/// The closure handed to a new thread. `@unchecked Sendable`: the creating thread blocks in
/// `pthread_join` while the new thread runs it, so it is never used by two threads at once.
private final class ThreadBody: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
