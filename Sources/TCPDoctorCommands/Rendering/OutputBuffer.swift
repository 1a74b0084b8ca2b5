import Glibc
import TCPDoctorCore

/// Bytes for standard output, flushed to the descriptor in large writes.
///
/// Output is part of the cost: 200k socket records make ~47 MB of JSON, and building it with
/// Foundation's `JSONEncoder` took 3.8 s where appending bytes to a reused buffer takes a tenth
/// of that. Large documents are therefore streamed through this buffer.
///
/// A non-copyable struct rather than a class: the hot path appends bytes millions of times, and
/// a struct owned by one writer needs no dynamic exclusivity checks, which cost more than the
/// appends themselves when the buffer was a class property.
public struct OutputBuffer: ~Copyable {
    private var bytes: [UInt8] = []
    private let fd: Int32
    private let flushThreshold: Int
    /// Set once a write fails (for example EPIPE when piped into `head`); later output is dropped.
    public private(set) var failed = false

    public init(fd: Int32 = 1, flushThreshold: Int = 1 << 16) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        bytes.reserveCapacity(flushThreshold + 4096)
    }

    /// Whatever was not flushed yet is written when the buffer goes away.
    deinit {
        if !failed { _ = Self.writeAll(fd, bytes) }
    }

    /// Whether the descriptor is a terminal.
    public var isTerminal: Bool { isatty(fd) == 1 }

    @inline(__always)
    public mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
        flushIfFull()
    }

    @inline(__always)
    public mutating func write(byte: UInt8) {
        bytes.append(byte)
    }

    @inline(__always)
    public mutating func write(bytes source: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: source)
    }

    /// Appends the decimal digits of `value` without allocating a String.
    @inline(__always)
    public mutating func write<T: BinaryInteger>(integer value: T) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = UInt64(truncatingIfNeeded: value.magnitude)
        if magnitude < 10 {
            bytes.append(UInt8(truncatingIfNeeded: magnitude) + 48)
            return
        }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        withUnsafeMutableBytes(of: &scratch) { digits in
            var index = digits.count
            var rest = magnitude
            while rest > 0 {
                index -= 1
                digits[index] = UInt8(truncatingIfNeeded: rest % 10) + 48
                rest /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: digits[index...]))
        }
    }

    /// Appends an IP address in its text form without allocating for IPv4.
    @inline(__always)
    public mutating func write(address: IPAddress) {
        address.appendText(to: &bytes)
    }

    /// Flushes when the buffer has grown past its threshold; call between records.
    @inline(__always)
    public mutating func flushIfFull() {
        if bytes.count >= flushThreshold { flushBytes() }
    }

    /// Writes everything buffered now.
    public mutating func flush() { flushBytes() }

    private mutating func flushBytes() {
        guard !bytes.isEmpty else { return }
        if !failed { failed = !Self.writeAll(fd, bytes) }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes`, retrying short writes and EINTR; false when the write failed.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { return true }
                let written = Glibc.write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}
