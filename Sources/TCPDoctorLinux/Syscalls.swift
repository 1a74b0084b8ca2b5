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
    return valueOrErrno { CSockDiag.getdents64(directoryFD, base, buffer.count) }
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
