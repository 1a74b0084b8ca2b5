import Glibc

// Every raw libc call of TCPDoctorCapture lives in this file. Read errno right after the call;
// retry EINTR here and nowhere else; never retry close().

/// An errno value as an `Error`, so that it fits `Result`.
struct SystemErrno: Error {
    var value: Int32
    init(_ value: Int32) { self.value = value }

    /// The C library's text, such as "No such file or directory".
    var text: String { CaptureSyscalls.describe(errno: value) }
}

/// What `fstat` says about an open capture file.
struct FileKind {
    var isRegular: Bool
    var size: Int64
}

enum CaptureSyscalls {
    /// Opens `path` read-only and close-on-exec; returns the descriptor or the errno.
    static func openForReading(_ path: String) -> Result<Int32, SystemErrno> {
        retryingInterrupts { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
    }

    /// Creates or truncates `path` for writing, close-on-exec, mode 0644 before the umask.
    static func openForWriting(_ path: String) -> Result<Int32, SystemErrno> {
        retryingInterrupts { Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
    }

    static func kind(of fd: Int32) -> Result<FileKind, SystemErrno> {
        var info = stat()
        if fstat(fd, &info) != 0 { return .failure(SystemErrno(Glibc.errno)) }
        return .success(FileKind(isRegular: info.st_mode & S_IFMT == S_IFREG, size: Int64(info.st_size)))
    }

    /// Reads up to `count` bytes; 0 means end of file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Result<Int, SystemErrno> {
        retryingInterrupts { Glibc.read(fd, buffer, count) }
    }

    /// Reads up to `count` bytes at `offset` of the file; 0 means end of file.
    static func read(
        _ fd: Int32,
        into buffer: UnsafeMutableRawPointer,
        count: Int,
        at offset: Int64
    ) -> Result<Int, SystemErrno> {
        retryingInterrupts { Glibc.pread(fd, buffer, count, off_t(offset)) }
    }

    /// Writes all `count` bytes, continuing after short writes; returns the errno of a failure.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32? {
        var done = 0
        while done < buffer.count {
            guard let base = buffer.baseAddress else { return nil }
            switch retryingInterrupts({ Glibc.write(fd, base + done, buffer.count - done) }) {
            case .success(let written): done += written
            case .failure(let error): return error.value
            }
        }
        return nil
    }

    /// Closes a descriptor once; EINTR is not retried because Linux has already released the fd.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// The C library's text for an errno, such as "No such file or directory".
    static func describe(errno value: Int32) -> String {
        guard let text = strerror(value) else { return "errno \(value)" }
        return String(cString: text)
    }

    @inline(__always)
    private static func retryingInterrupts<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, SystemErrno> {
        while true {
            let result = body()
            if result != -1 { return .success(result) }
            let error = Glibc.errno
            if error != EINTR { return .failure(SystemErrno(error)) }
        }
    }
}
