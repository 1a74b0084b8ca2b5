import Glibc

/// A byte buffer that flushes to a file descriptor in large writes.
///
/// Output is part of the cost: 200k socket records make ~47 MB of JSON, and building it with
/// Foundation's `JSONEncoder` took 3.8 s where appending bytes to a reused buffer takes a tenth
/// of that. Large documents are therefore streamed through this buffer; small ones may use
/// anything.
public final class OutputStream {
    private var buffer: [UInt8] = []
    private let fd: Int32
    private let flushThreshold: Int
    /// Set once a write fails (for example EPIPE when piped into `head`); later output is dropped.
    public private(set) var failed = false

    /// Standard output, the only place tcpdoctor writes data to.
    public static func standardOutput() -> OutputStream { OutputStream(fd: 1) }

    public init(fd: Int32, flushThreshold: Int = 1 << 16) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit { flush() }

    @inline(__always)
    public func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= flushThreshold { flush() }
    }

    @inline(__always)
    public func write(byte: UInt8) {
        buffer.append(byte)
    }

    @inline(__always)
    public func write(bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { flush() }
    }

    /// Appends the decimal digits of `value` without allocating a String.
    @inline(__always)
    public func write<T: BinaryInteger>(integer value: T) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        writeUnsigned(UInt64(truncatingIfNeeded: value.magnitude))
    }

    private func writeUnsigned(_ value: UInt64) {
        if value < 10 {
            buffer.append(UInt8(truncatingIfNeeded: value) + 48)
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes of scratch
        withUnsafeMutableBytes(of: &digits) { scratch in
            var index = scratch.count
            var rest = value
            while rest > 0 {
                index -= 1
                scratch[index] = UInt8(truncatingIfNeeded: rest % 10) + 48
                rest /= 10
            }
            buffer.append(contentsOf: scratch[index...])
        }
    }

    /// Writes everything buffered; call before exiting or when the stream must be seen now.
    public func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        guard !failed else { return }
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                offset += written
            }
        }
    }

    /// Whether the descriptor is a terminal (tables are coloured and sized only then).
    public var isTerminal: Bool { isatty(fd) == 1 }
}
