import CSockDiag
import Glibc
import SystemPackage

// Pipes, descriptor flags and waiting on descriptors.

/// pipe2(2) with O_CLOEXEC on both ends: (read, write).
@inlinable
package func systemPipe() -> Result<(read: Int32, write: Int32), Errno> {
    var fds: [Int32] = [-1, -1]
    return valueOrErrno { csd_pipe_cloexec(&fds) }.map { _ in (fds[0], fds[1]) }
}

/// Adds O_NONBLOCK to the file status flags (fcntl F_GETFL, then F_SETFL).
@inlinable
package func systemSetNonBlocking(_ fd: Int32) -> Result<Void, Errno> {
    valueOrErrno { Glibc.fcntl(fd, F_SETFL, Glibc.fcntl(fd, F_GETFL) | O_NONBLOCK) }.map { _ in () }
}

/// Sets FD_CLOEXEC (fcntl F_SETFD), for a descriptor from a call that has no flag for it.
@inlinable
package func systemSetCloseOnExec(_ fd: Int32) -> Result<Void, Errno> {
    valueOrErrno { Glibc.fcntl(fd, F_SETFD, FD_CLOEXEC) }.map { _ in () }
}

/// poll(2) on `entries`, whose `revents` it fills; `timeout` in milliseconds, -1 for none.
/// Returns how many entries have events, 0 when the timeout passed.
@inlinable
package func systemPoll(_ entries: inout [pollfd], timeout: Int32) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.poll(&entries, nfds_t(entries.count), timeout) }
}
