import Glibc
import SystemPackage

// Every raw libc call of TCPDoctorLinux, TCPDoctorCapture and TCPDoctorLab lives in this module
// (the pattern of swift-system's Internals/Syscalls.swift). Each wrapper returns its value or the
// `Errno` the call set, read right after the call; EINTR is retried in `valueOrErrno` and nowhere
// else; close() is never retried. The libraries map an `Errno` to their own error types.
//
// The wrappers are `@inlinable`: the fd walk and the capture readers call them in hot loops, and
// a call across the module boundary must cost no more than the raw call did.

/// Calls `body` until it does not fail with EINTR; returns its result or the `Errno` it set.
@inlinable @inline(__always)
package func valueOrErrno<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
    valueOrErrno(retryingInterruptions: .max, body)
}

/// Calls `body` again after EINTR at most `retries` times in a row; the last EINTR is returned.
///
/// For calls that block with a timeout of their own (a netlink receive under SO_RCVTIMEO): each
/// retry starts the timeout anew, so an endless stream of signals would make the call endless.
/// With 0 retries, for calls whose caller wants to see EINTR (a read that must not wait).
@inlinable @inline(__always)
package func valueOrErrno<T: FixedWidthInteger>(
    retryingInterruptions retries: Int,
    _ body: () -> T
) -> Result<T, Errno> {
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
@inlinable @inline(__always)
package func closeDescriptor(_ fd: Int32) {
    _ = Glibc.close(fd)
}

/// A failed call of a wrapper that makes more than one: which call failed, and how.
package struct SystemCallError: Error, Equatable, Sendable {
    /// The name of the call, such as `pidfd_getfd`.
    package var call: String
    package var errno: Errno

    package init(call: String, errno: Errno) {
        self.call = call
        self.errno = errno
    }
}
