/// An open capture file: the sole owner of its descriptor and, for a regular file, its memory map.
///
/// Regular files are mapped and parsed in place, which costs no copy; pipes and standard input are
/// read in chunks into a buffer that the reader reuses.
final class CaptureInput {
    /// The path as given, `-` for standard input.
    let name: String
    let descriptor: Int32
    private let ownsDescriptor: Bool
    /// The whole file, when it is a regular file that could be mapped.
    let mapping: UnsafeRawBufferPointer?
    /// The size of a regular file (mapped or not), nil for a pipe.
    let size: Int64?

    /// Opens `path`, or standard input for `-`.
    init(path: String) throws(CaptureError) {
        name = path
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
            mapping = nil
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
        if kind.isRegular {
            size = kind.size
            if kind.size > 0, let size = Int(exactly: kind.size),
                let base = CaptureSyscalls.map(fd, size: size)
            {
                mapping = UnsafeRawBufferPointer(start: base, count: size)
            } else {
                mapping = nil
            }
        } else {
            size = nil
            mapping = nil
        }
    }

    deinit {
        if let mapping, let base = mapping.baseAddress {
            CaptureSyscalls.unmap(base, size: mapping.count)
        }
        if ownsDescriptor { CaptureSyscalls.close(descriptor) }
    }
}
