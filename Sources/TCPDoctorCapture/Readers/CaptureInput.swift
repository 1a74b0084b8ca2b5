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
        switch CaptureSyscalls.openForReading(path) {
        case .success(let value): fd = value
        case .failure(let error):
            throw CaptureError(
                .io,
                "cannot open: \(error.text)",
                file: path,
                errno: error.value
            )
        }
        let kind: FileKind
        switch CaptureSyscalls.kind(of: fd) {
        case .success(let value): kind = value
        case .failure(let error):
            CaptureSyscalls.close(fd)
            throw CaptureError(.io, "cannot stat: \(error.text)", file: path, errno: error.value)
        }
        descriptor = fd
        ownsDescriptor = true
        size = kind.isRegular ? kind.size : nil
    }

    deinit {
        if ownsDescriptor { CaptureSyscalls.close(descriptor) }
    }
}
