import Glibc
import SystemPackage

// Advisory locks on whole files (flock(2)).

/// Opens (creating, mode 0600) `path` and takes an exclusive flock on it without waiting.
///
/// - Returns: The descriptor that holds the lock (closing it releases the lock), or the errno:
///   EWOULDBLOCK when another process holds it.
package func systemLockFile(_ path: String) -> Result<Int32, Errno> {
    let opened = valueOrErrno { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
    guard case .success(let fd) = opened else { return opened }
    if case .failure(let error) = valueOrErrno({ flock(fd, LOCK_EX | LOCK_NB) }) {
        closeDescriptor(fd)
        return .failure(error)
    }
    return .success(fd)
}

/// Replaces the contents of a locked file with `text` (the holder's pid, for the next one's message).
package func systemReplaceContents(_ fd: Int32, _ text: String) -> Result<Void, Errno> {
    if case .failure(let error) = valueOrErrno({ ftruncate(fd, 0) }) { return .failure(error) }
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { buffer in
        valueOrErrno { pwrite(fd, buffer.baseAddress, buffer.count, 0) }.map { _ in () }
    }
}

/// True when `error` says another process holds the lock (EWOULDBLOCK).
package func systemIsLockHeld(_ error: Errno) -> Bool { error == .wouldBlock }
