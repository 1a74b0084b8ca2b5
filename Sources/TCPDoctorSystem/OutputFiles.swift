import Glibc
import SystemPackage

// Output files written whole, and the terminal they may go to.

/// Writes `bytes` to `path` atomically: into a new file beside it, synced, then renamed over it.
///
/// A reader of `path` sees the old file or the whole new one, never a half-written picture, and
/// a failure leaves `path` as it was (the temporary file is removed). Mode 0644 before the umask.
///
/// - Returns: The call that failed and its errno, or success.
package func systemWriteFileAtomically(_ path: String, _ bytes: [UInt8]) -> Result<Void, SystemCallError> {
    let temporary = path + ".tmp-\(Glibc.getpid())"
    let fd: Int32
    switch valueOrErrno({ Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }) {
    case .success(let opened): fd = opened
    case .failure(let error): return .failure(SystemCallError(call: "open", errno: error))
    }
    let written = bytes.withUnsafeBytes { systemWriteAll(fd, $0) }
    var failure: SystemCallError?
    if case .failure(let error) = written { failure = SystemCallError(call: "write", errno: error) }
    if failure == nil, case .failure(let error) = valueOrErrno({ Glibc.fsync(fd) }) {
        failure = SystemCallError(call: "fsync", errno: error)
    }
    closeDescriptor(fd)
    if failure == nil, case .failure(let error) = valueOrErrno({ Glibc.rename(temporary, path) }) {
        failure = SystemCallError(call: "rename", errno: error)
    }
    if let failure {
        _ = Glibc.unlink(temporary)
        return .failure(failure)
    }
    return .success(())
}

/// The columns of the terminal on `fd` (`TIOCGWINSZ`); fails with ENOTTY when `fd` is not one.
package func systemTerminalColumns(_ fd: Int32) -> Result<Int, Errno> {
    var size = winsize()
    return valueOrErrno { Glibc.ioctl(fd, UInt(TIOCGWINSZ), &size) }.map { _ in Int(size.ws_col) }
}

/// Makes `path` and every missing directory above it, each with `mode` before the umask
/// (`mkdir -p`); a directory that is already there is fine.
///
/// - Returns: The path that could not be made and its errno, or success.
package func systemMakeDirectories(_ path: String, mode: mode_t = 0o755) -> Result<Void, SystemCallError> {
    var made = ""
    for component in path.split(separator: "/", omittingEmptySubsequences: true) {
        made += "/" + component
        if case .failure(let error) = valueOrErrno({ Glibc.mkdir(made, mode) }), error != .fileExists {
            return .failure(SystemCallError(call: "mkdir \(made)", errno: error))
        }
    }
    return .success(())
}
