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
