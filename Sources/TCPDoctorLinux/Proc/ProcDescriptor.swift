import Glibc
import SystemPackage
import TCPDoctorSystem

/// The one owner of a file descriptor opened by the /proc readers; closes it in `deinit`.
///
/// `~Copyable` so that no copy can close the descriptor twice or use it after close.
struct ProcDescriptor: ~Copyable {
    let rawValue: Int32

    init(rawValue: Int32) { self.rawValue = rawValue }

    deinit { closeDescriptor(rawValue) }

    /// Opens `path` (relative to `directory`, or absolute) read-only and close-on-exec.
    init(opening path: String, relativeTo directory: Int32 = AT_FDCWD, directoryOnly: Bool = false) throws(Errno) {
        let flags = O_RDONLY | (directoryOnly ? O_DIRECTORY : 0)
        self.rawValue = try path.withCString { procOpenAt(directory, $0, flags: flags) }.get()
    }

    /// Reads the whole file from its current offset, at most `limit` bytes.
    ///
    /// /proc files report size 0, so the only way to read them is until `read` returns 0.
    func readAll(limit: Int = 1 << 20) -> Result<[UInt8], Errno> {
        var bytes: [UInt8] = []
        let fd = rawValue
        return withUnsafeTemporaryAllocation(byteCount: 8192, alignment: 8) { chunk in
            while bytes.count < limit {
                let want = min(chunk.count, limit - bytes.count)
                switch systemRead(fd, UnsafeMutableRawBufferPointer(rebasing: chunk[..<want])) {
                case .success(0): return .success(bytes)
                case .success(let count): bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<count]))
                case .failure(let error): return .failure(error)
                }
            }
            return .success(bytes)
        }
    }
}

/// Reads a small file such as `/proc/PID/status` whole: at most `limit` bytes.
func readProcFile(
    _ path: String,
    relativeTo directory: Int32 = AT_FDCWD,
    limit: Int = 1 << 20
) -> Result<
    [UInt8], Errno
> {
    do {
        let descriptor = try ProcDescriptor(opening: path, relativeTo: directory)
        return descriptor.readAll(limit: limit)
    } catch {
        return .failure(error)
    }
}

extension Errno {
    /// Whether the error means the process or file has gone (ENOENT, ESRCH).
    var meansVanished: Bool { self == .noSuchFileOrDirectory || self == .noSuchProcess }
    /// Whether the error means we lack the privilege (EACCES, EPERM).
    var meansPermissionDenied: Bool { self == .permissionDenied || self == .notPermitted }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for parsers with typed throws, which `withUnsafeBytes` (rethrows) loses.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(LinuxError) -> R) throws(LinuxError) -> R {
        try withUnsafeBytes { bytes in Result { () throws(LinuxError) -> R in try body(bytes) } }.get()
    }
}
