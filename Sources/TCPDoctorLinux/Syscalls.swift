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

/// Calls `body` again after EINTR at most `retries` times in a row; the last EINTR is returned.
///
/// For calls that block with a timeout of their own (a netlink receive under SO_RCVTIMEO): each
/// retry starts the timeout anew, so an endless stream of signals would make the call endless.
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(retryingInterruptions retries: Int, _ body: () -> T) -> Result<T, Errno> {
    var interruptions = 0
    while true {
        let result = body()
        if result != -1 { return .success(result) }
        let error = Errno(rawValue: Glibc.errno)
        if error != .interrupted || interruptions >= retries { return .failure(error) }
        interruptions += 1
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
///
/// EINTR is retried `interruptionRetries` times in a row, then returned.
func systemReceiveDatagram(
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
        systemStartThread(escapable).map { $0.join() }
    }
}

/// Starts `body` on a new POSIX thread; the caller must `join()` the handle.
///
/// A thread of its own, not a Dispatch worker: work that must run in parallel with the caller
/// (the fd walk beside the netlink dump) cannot wait for a pool whose width is already taken by
/// the caller's own task.
func systemStartThread(_ body: @escaping () -> Void) -> Result<JoinableThread, Errno> {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
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
    return .success(JoinableThread(thread: thread))
}

/// A started POSIX thread, to be joined exactly once.
struct JoinableThread: Sendable {
    fileprivate let thread: pthread_t

    /// Waits for the thread to end.
    func join() {
        _ = pthread_join(thread, nil)
    }
}

/// The closure handed to a new thread. `@unchecked Sendable`: the thread that created it
/// hands it over and never touches it again; what the closure shares is the caller's to order
/// (by joining the thread).
private final class ThreadBody: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

// MARK: proc
// Raw calls of the /proc readers (Sources/TCPDoctorLinux/Proc). Paths are C strings so that the
// fd walk builds them in reused buffers without allocating.

/// `openat(2)` with `O_CLOEXEC` added: opens `path` relative to the directory `directoryFD`.
@inline(__always)
func procOpenAt(_ directoryFD: Int32, _ path: UnsafePointer<CChar>, flags: Int32) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.openat(directoryFD, path, flags | O_CLOEXEC) }
}

/// `getdents64(2)`: fills `buffer` with `struct linux_dirent64` records; 0 at the end.
@inline(__always)
func procGetDents(_ directoryFD: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    guard let base = buffer.baseAddress else { return .success(0) }
    return valueOrErrno { csd_getdents64(directoryFD, base, UInt(buffer.count)) }
}

/// `readlinkat(2)`: the link target's length (not NUL-terminated, truncated to the buffer).
@inline(__always)
func procReadLinkAt(
    _ directoryFD: Int32,
    _ name: UnsafePointer<CChar>,
    _ buffer: UnsafeMutableRawBufferPointer
) -> Result<Int, Errno> {
    guard let base = buffer.baseAddress else { return .success(0) }
    return valueOrErrno {
        Glibc.readlinkat(directoryFD, name, base.assumingMemoryBound(to: CChar.self), buffer.count)
    }
}

/// `read(2)` into `buffer`; 0 at end of file.
@inline(__always)
func procRead(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    guard let base = buffer.baseAddress else { return .success(0) }
    return valueOrErrno { Glibc.read(fd, base, buffer.count) }
}

/// `fstatat(2)` following symlinks (so `/proc/PID/ns/net` reports the namespace's own inode).
@inline(__always)
func procStatAt(_ directoryFD: Int32, _ path: UnsafePointer<CChar>) -> Result<stat, Errno> {
    var result = stat()
    return valueOrErrno { Glibc.fstatat(directoryFD, path, &result, 0) }.map { _ in result }
}

/// `fstat(2)`.
@inline(__always)
func procFStat(_ fd: Int32) -> Result<stat, Errno> {
    var result = stat()
    return valueOrErrno { Glibc.fstat(fd, &result) }.map { _ in result }
}

/// `getxattr(2)` of `path` following symlinks; the value's length in bytes.
@inline(__always)
func procGetXAttr(
    _ path: UnsafePointer<CChar>,
    _ name: UnsafePointer<CChar>,
    _ buffer: UnsafeMutableRawBufferPointer
) -> Result<Int, Errno> {
    guard let base = buffer.baseAddress else { return .success(0) }
    return valueOrErrno { CSockDiag.getxattr(path, name, base, buffer.count) }
}

/// `ioctl(fd, NS_GET_NSTYPE)` (Linux 4.11): the `CLONE_NEW*` type of a namespace file.
@inline(__always)
func procNamespaceType(_ fd: Int32) -> Result<Int32, Errno> {
    // NS_GET_NSTYPE is _IO(0xb7, 0x3) in <linux/nsfs.h>, a macro Swift cannot import.
    let nsGetNSType: UInt = 0xb703
    return valueOrErrno { Glibc.ioctl(fd, nsGetNSType) }
}

/// `getpid(2)`.
@inline(__always)
func procOwnPID() -> Int32 { Glibc.getpid() }

/// `sysconf(_SC_CLK_TCK)`: USER_HZ, the unit of the clock_t values /proc prints; nil if unknown.
func procClockTicksPerSecond() -> Int? {
    let value = Glibc.sysconf(Int32(_SC_CLK_TCK))
    return value > 0 ? value : nil
}

// MARK: snapshot
// Calls of Snapshot/: looking at a socket another process holds, through a duplicate of its fd.

/// Which of the two calls behind `snapshotDuplicateDescriptor` failed, and how.
struct DuplicateFailure: Error {
    /// `pidfd_open` or `pidfd_getfd`.
    var call: String
    var errno: Errno
}

/// A duplicate of `fd` of process `pid` (pidfd_open + pidfd_getfd, Linux 5.6); needs the
/// right to ptrace the process. The caller closes the returned descriptor.
func snapshotDuplicateDescriptor(pid: Int32, fd: Int32) -> Result<Int32, DuplicateFailure> {
    valueOrErrno { csd_pidfd_open(pid) }.mapError { DuplicateFailure(call: "pidfd_open", errno: $0) }.flatMap {
        pidfd in
        defer { closeDescriptor(pidfd) }
        return valueOrErrno { csd_pidfd_getfd(pidfd, fd) }.mapError { DuplicateFailure(call: "pidfd_getfd", errno: $0) }
    }
}

/// getsockopt(TCP_INFO) into the kernel's layout; fields the kernel does not send stay zero.
func snapshotTCPInfo(_ fd: Int32) -> Result<csd_tcp_info, Errno> {
    var info = csd_tcp_info()
    var length = socklen_t(MemoryLayout<csd_tcp_info>.size)
    return valueOrErrno { Glibc.getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) }.map { _ in info }
}

/// getsockopt(SO_PROTOCOL) (Linux 2.6.32): the socket's protocol number, `IPPROTO_TCP` for TCP.
func snapshotSocketProtocol(_ fd: Int32) -> Result<Int32, Errno> {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return valueOrErrno { Glibc.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &value, &length) }.map { _ in value }
}

// MARK: host
// Calls of Host/: runtime detection reads executables and links of other processes.

/// readlink(2) of a whole path; the target as text.
func procReadLink(_ path: String) -> Result<String, Errno> {
    var buffer = [CChar](repeating: 0, count: 4096)
    return valueOrErrno { Glibc.readlink(path, &buffer, buffer.count) }.map { length in
        String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// open(2) read-only for pread.
func procOpenForPread(_ path: String) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
}

/// pread(2) into `buffer` at `offset`.
func procPread(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: UInt64) -> Result<Int, Errno> {
    valueOrErrno { Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
}
