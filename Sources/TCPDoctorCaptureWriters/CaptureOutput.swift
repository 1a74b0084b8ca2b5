import SystemPackage
import TCPDoctorCapture
import TCPDoctorSystem

/// Where a writer's bytes go: kept in memory, or flushed to a file in large writes.
///
/// The sole owner of the output file's descriptor, closed in `deinit`.
final class CaptureOutput {
    /// Flush to the file once this much is buffered: large writes, bounded memory.
    static let flushThreshold = 1024 * 1024

    let name: String
    private let descriptor: Int32?
    /// Bytes not yet written to the file; all bytes for an in-memory output.
    var buffer: [UInt8] = []

    init() {
        name = ""
        descriptor = nil
    }

    init(path: String) throws(CaptureError) {
        name = path
        switch systemOpenForWriting(path) {
        case .success(let fd): descriptor = fd
        case .failure(let error):
            throw CaptureError(.io, "cannot create: \(error)", file: path, errno: error.rawValue)
        }
        buffer.reserveCapacity(Self.flushThreshold * 2)
    }

    /// Writes the buffer out when it is large enough and the output is a file.
    @inline(__always)
    func flushIfFull() throws(CaptureError) {
        if descriptor != nil && buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Writes everything buffered to the file; nothing for an in-memory output.
    func flush() throws(CaptureError) {
        guard let descriptor, !buffer.isEmpty else { return }
        let written = buffer.withUnsafeBytes { systemWriteAll(descriptor, $0) }
        if case .failure(let failure) = written {
            throw CaptureError(.io, "cannot write: \(failure)", file: name, errno: failure.rawValue)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        // Writers say to call `finish()`, which reports errors; this only spares the data of a
        // caller that forgot.
        try? flush()
        if let descriptor { closeDescriptor(descriptor) }
    }
}
