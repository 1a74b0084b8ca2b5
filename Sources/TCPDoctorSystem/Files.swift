import Glibc
import SystemPackage

// Files, pipes and directories.

/// open(2) of an existing `path` with `flags` as given (callers add O_CLOEXEC).
@inlinable
package func systemOpen(_ path: String, flags: Int32) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.open(path, flags) }
}

/// open(2) read-only with O_CLOEXEC.
@inlinable
package func systemOpenReadOnly(_ path: String) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
}

/// Creates or truncates `path` for writing, close-on-exec, mode 0644 before the umask.
@inlinable
package func systemOpenForWriting(_ path: String) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
}

/// `read(2)` into `buffer`; 0 at end of file.
@inlinable @inline(__always)
package func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    guard let base = buffer.baseAddress else { return .success(0) }
    return valueOrErrno { Glibc.read(fd, base, buffer.count) }
}

/// One `read(2)` into `buffer`; EINTR is returned, not retried, for a caller that must not wait.
@inlinable
package func systemReadOnce(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    valueOrErrno(retryingInterruptions: 0) { Glibc.read(fd, buffer.baseAddress, buffer.count) }
}

/// `pread(2)` into `buffer` at `offset`; 0 at end of file.
@inlinable @inline(__always)
package func systemPread(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: Int64) -> Result<Int, Errno> {
    valueOrErrno { Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
}

/// `write(2)` of `buffer`; the number of bytes written, which may be fewer.
@inlinable
package func systemWrite(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Int, Errno> {
    valueOrErrno { Glibc.write(fd, buffer.baseAddress, buffer.count) }
}

/// One `write(2)` of `buffer`; EINTR is returned, not retried (async-signal-safe: no allocation).
@inlinable @inline(__always)
package func systemWriteOnce(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Int, Errno> {
    valueOrErrno(retryingInterruptions: 0) { Glibc.write(fd, buffer.baseAddress, buffer.count) }
}

/// Writes all of `buffer`, continuing after short writes.
@inlinable
package func systemWriteAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Void, Errno> {
    var done = 0
    while done < buffer.count {
        guard let base = buffer.baseAddress else { return .success(()) }
        switch valueOrErrno({ Glibc.write(fd, base + done, buffer.count - done) }) {
        case .success(let written): done += written
        case .failure(let error): return .failure(error)
        }
    }
    return .success(())
}

/// `fstat(2)`.
@inlinable @inline(__always)
package func systemFStat(_ fd: Int32) -> Result<stat, Errno> {
    var result = stat()
    return valueOrErrno { Glibc.fstat(fd, &result) }.map { _ in result }
}

/// The inode of an open file (fstat(2) `st_ino`).
@inlinable
package func systemInode(ofDescriptor fd: Int32) -> Result<UInt64, Errno> {
    systemFStat(fd).map { UInt64($0.st_ino) }
}

/// `stat(2)` of `path`, following symlinks.
@inlinable
package func systemStat(_ path: String) -> Result<stat, Errno> {
    var result = stat()
    return valueOrErrno { stat(path, &result) }.map { _ in result }
}

/// `access(2)`: whether this process may use `path` in the way `mode` (`X_OK`, ...) says.
@inlinable
package func systemAccess(_ path: String, _ mode: Int32) -> Result<Void, Errno> {
    valueOrErrno { Glibc.access(path, mode) }.map { _ in () }
}

/// readlink(2) of a whole path; the target as text (at most 4096 bytes, PATH_MAX).
package func systemReadLink(_ path: String) -> Result<String, Errno> {
    var buffer = [CChar](repeating: 0, count: 4096)
    return valueOrErrno { Glibc.readlink(path, &buffer, buffer.count) }.map { length in
        String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The names in a directory (opendir(3), readdir(3)), without `.` and `..`.
package func systemDirectoryEntries(_ path: String) -> Result<[String], Errno> {
    guard let directory = opendir(path) else { return .failure(Errno(rawValue: Glibc.errno)) }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return .success(names)
}
