/// An open capture file: the sole owner of its descriptor and of its memory map, if one is made.
///
/// The reader decides how to read (see `CaptureReader.parseFile`): a regular file is read in
/// chunks, or mapped with `map()` and parsed in place; pipes and standard input are read in chunks.
final class CaptureInput {
    /// The path as given, `-` for standard input.
    let name: String
    let descriptor: Int32
    private let ownsDescriptor: Bool
    /// The whole file, once `map()` has mapped it.
    private(set) var mapping: UnsafeRawBufferPointer?
    /// The size of a regular file, nil for a pipe.
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
        mapping = nil
        size = kind.isRegular ? kind.size : nil
    }

    /// Maps the whole regular file read-only; nil for a pipe, an empty file, or when the kernel
    /// refuses (then the caller reads).
    func map() -> UnsafeRawBufferPointer? {
        if let mapping { return mapping }
        guard let size, size > 0, let length = Int(exactly: size),
            let base = CaptureSyscalls.map(descriptor, size: length)
        else { return nil }
        mapping = UnsafeRawBufferPointer(start: base, count: length)
        return mapping
    }

    deinit {
        if let mapping, let base = mapping.baseAddress {
            CaptureSyscalls.unmap(base, size: mapping.count)
        }
        if ownsDescriptor { CaptureSyscalls.close(descriptor) }
    }
}
