import CSockDiag
import Glibc
import SystemPackage

// Raw calls of the /proc readers (TCPDoctorLinux's Proc/). Paths are C strings so that the fd
// walk builds them in reused buffers without allocating.

/// `openat(2)` with `O_CLOEXEC` added: opens `path` relative to the directory `directoryFD`.
@inlinable @inline(__always)
package func procOpenAt(_ directoryFD: Int32, _ path: UnsafePointer<CChar>, flags: Int32) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.openat(directoryFD, path, flags | O_CLOEXEC) }
}

/// `getdents64(2)`: fills `buffer` with `struct linux_dirent64` records; 0 at the end.
@inlinable @inline(__always)
package func procGetDents(_ directoryFD: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    guard let base = buffer.baseAddress else { return .success(0) }
    return valueOrErrno { csd_getdents64(directoryFD, base, UInt(buffer.count)) }
}

/// `readlinkat(2)`: the link target's length (not NUL-terminated, truncated to the buffer).
@inlinable @inline(__always)
package func procReadLinkAt(
    _ directoryFD: Int32,
    _ name: UnsafePointer<CChar>,
    _ buffer: UnsafeMutableRawBufferPointer
) -> Result<Int, Errno> {
    guard let base = buffer.baseAddress else { return .success(0) }
    return valueOrErrno {
        Glibc.readlinkat(directoryFD, name, base.assumingMemoryBound(to: CChar.self), buffer.count)
    }
}

/// `fstatat(2)` following symlinks (so `/proc/PID/ns/net` reports the namespace's own inode).
@inlinable @inline(__always)
package func procStatAt(_ directoryFD: Int32, _ path: UnsafePointer<CChar>) -> Result<stat, Errno> {
    var result = stat()
    return valueOrErrno { Glibc.fstatat(directoryFD, path, &result, 0) }.map { _ in result }
}

/// `getxattr(2)` of `path` following symlinks; the value's length in bytes.
@inlinable @inline(__always)
package func procGetXAttr(
    _ path: UnsafePointer<CChar>,
    _ name: UnsafePointer<CChar>,
    _ buffer: UnsafeMutableRawBufferPointer
) -> Result<Int, Errno> {
    guard let base = buffer.baseAddress else { return .success(0) }
    return valueOrErrno { CSockDiag.getxattr(path, name, base, buffer.count) }
}

/// `ioctl(fd, NS_GET_NSTYPE)` (Linux 4.11): the `CLONE_NEW*` type of a namespace file.
@inlinable @inline(__always)
package func procNamespaceType(_ fd: Int32) -> Result<Int32, Errno> {
    // NS_GET_NSTYPE is _IO(0xb7, 0x3) in <linux/nsfs.h>, a macro Swift cannot import.
    let nsGetNSType: UInt = 0xb703
    return valueOrErrno { Glibc.ioctl(fd, nsGetNSType) }
}

/// `sysconf(_SC_CLK_TCK)`: USER_HZ, the unit of the clock_t values /proc prints; nil if unknown.
package func procClockTicksPerSecond() -> Int? {
    let value = Glibc.sysconf(Int32(_SC_CLK_TCK))
    return value > 0 ? value : nil
}
