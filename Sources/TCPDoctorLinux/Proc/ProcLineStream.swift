import Glibc
import SystemPackage
import TCPDoctorSystem

/// Reads a text file in large chunks and hands out its lines without copying them.
///
/// `/proc/net/tcp` of a host with 200k sockets is ~30 MB; it is parsed line by line out of one
/// reused buffer instead of being loaded whole.
enum ProcLineStream {
    /// Calls `body` with each line of `path` (without `\n`) and its 1-based number.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - bufferSize: The chunk size; also the longest line accepted.
    /// - Throws: `LinuxError.procfsUnreadable` (with the `Errno`) when the file cannot be opened
    ///   or read, `.malformedProcData` for a line longer than `bufferSize`, or what `body` throws.
    static func forEachLine(
        ofFile path: String,
        bufferSize: Int = 1 << 18,
        _ body: (UnsafeRawBufferPointer, Int) throws(LinuxError) -> Void
    ) throws(LinuxError) {
        let descriptor: ProcDescriptor
        do {
            descriptor = try ProcDescriptor(opening: path)
        } catch {
            let code: LinuxError.Code = error.meansPermissionDenied ? .permissionDenied : .procfsUnreadable
            throw LinuxError(code, "cannot open \(path)", errno: error)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer { buffer.deallocate() }
        var kept = 0
        var lineNumber = 1
        while true {
            let count: Int
            switch systemRead(descriptor.rawValue, UnsafeMutableRawBufferPointer(rebasing: buffer[kept...])) {
            case .success(let n): count = n
            case .failure(let error): throw LinuxError(.procfsUnreadable, "cannot read \(path)", errno: error)
            }
            let filled = kept + count
            if count == 0 {
                // A last line without a newline.
                if kept > 0 { try body(UnsafeRawBufferPointer(rebasing: buffer[..<kept]), lineNumber) }
                return
            }
            var start = 0
            var index = kept
            while index < filled {
                if buffer[index] == UInt8(ascii: "\n") {
                    try body(UnsafeRawBufferPointer(rebasing: buffer[start..<index]), lineNumber)
                    lineNumber += 1
                    start = index + 1
                }
                index += 1
            }
            kept = filled - start
            if kept == bufferSize {
                throw LinuxError(.malformedProcData, "\(path) line \(lineNumber): longer than \(bufferSize) bytes")
            }
            if kept > 0 && start > 0 {
                guard let base = buffer.baseAddress else { return }
                base.copyMemory(from: base + start, byteCount: kept)
            }
        }
    }
}
