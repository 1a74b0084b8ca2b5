import Glibc
import SystemPackage
import TCPDoctorSystem

/// An open capture file: the sole owner of its descriptor.
///
/// A regular file is read with pread(2) in chunks (`CaptureReader.parseFile`, which explains why
/// it is never mapped), pipes and standard input with read(2) in chunks.
final class CaptureInput {
    /// The path as given, `-` for standard input.
    let name: String
    let descriptor: Int32
    private let ownsDescriptor: Bool
    /// The size of a regular file when it was opened, nil for a pipe.
    let size: Int64?

    /// Opens `path`, or standard input for `-`.
    init(path: String) throws(CaptureError) {
        name = path
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
            size = nil
            return
        }
        let fd: Int32
        switch systemOpenReadOnly(path) {
        case .success(let value): fd = value
        case .failure(let error):
            throw CaptureError(
                .io,
                "cannot open: \(error)",
                file: path,
                errno: error.rawValue
            )
        }
        let status: stat
        switch systemFStat(fd) {
        case .success(let value): status = value
        case .failure(let error):
            closeDescriptor(fd)
            throw CaptureError(.io, "cannot stat: \(error)", file: path, errno: error.rawValue)
        }
        descriptor = fd
        ownsDescriptor = true
        size = status.st_mode & S_IFMT == S_IFREG ? Int64(status.st_size) : nil
    }

    deinit {
        if ownsDescriptor { closeDescriptor(descriptor) }
    }
}
