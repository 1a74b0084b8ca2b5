import Glibc
import TCPDoctorCore

/// Bytes for standard output, flushed to the descriptor in large writes; or, made by
/// `collecting()`, kept in memory for the body of an HTTP response (`serve`).
///
/// Output is part of the cost: 200k socket records make ~47 MB of JSON, and building it with
/// Foundation's `JSONEncoder` took 3.8 s where appending bytes to a reused buffer takes a tenth
/// of that. Large documents are therefore streamed through this buffer.
///
/// A non-copyable struct rather than a class: the hot path appends bytes millions of times, and
/// a struct owned by one writer needs no dynamic exclusivity checks, which cost more than the
/// appends themselves when the buffer was a class property.
public struct OutputBuffer: ~Copyable {
    // A raw allocation rather than `[UInt8]`: appending to an array checks uniqueness and capacity
    // on every call, which was a fifth of the time of `capture --json`. The struct is
    // non-copyable, so the allocation has exactly one owner, freed in `deinit`.
    private let storage: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    /// For `IPAddress.appendText`, which appends to an array.
    private var scratch: [UInt8] = []
    private let fd: Int32
    /// What was flushed, when the buffer collects into memory instead of writing to `fd`.
    private var collected: [UInt8]?
    private let flushThreshold: Int
    /// Set once a write fails (for example EPIPE when piped into `head`); later output is dropped.
    public private(set) var failed = false

    public init(fd: Int32 = 1, flushThreshold: Int = 1 << 16) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        // Room past the threshold so that a record written between two `flushIfFull` calls rarely
        // forces an early flush; a full buffer flushes on its own.
        capacity = flushThreshold + (1 << 16)
        storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    /// A buffer that keeps what it is given in memory (`takeCollected()`) and writes to no file.
    public static func collecting(flushThreshold: Int = 1 << 16) -> OutputBuffer {
        var buffer = OutputBuffer(fd: -1, flushThreshold: flushThreshold)
        buffer.collected = []
        return buffer
    }

    /// Everything written so far to a `collecting()` buffer (empty for one that writes to a file),
    /// leaving it empty.
    public mutating func takeCollected() -> [UInt8] {
        flushBytes()
        defer { if collected != nil { collected = [] } }
        return collected ?? []
    }

    /// Whatever was not flushed yet is written when the buffer goes away.
    deinit {
        if collected == nil && !failed && count > 0 {
            _ = Self.writeAll(fd, UnsafeRawBufferPointer(start: storage, count: count))
        }
        storage.deallocate()
    }

    /// Whether the descriptor is a terminal.
    public var isTerminal: Bool { isatty(fd) == 1 }

    @inline(__always)
    public mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { write(bytes: $0) }
        flushIfFull()
    }

    @inline(__always)
    public mutating func write(byte: UInt8) {
        if count == capacity { flushBytes() }
        storage[count] = byte
        count += 1
    }

    /// Appends `count` spaces (nothing when `count` is not positive).
    public mutating func write(spaces count: Int) {
        for _ in 0..<max(0, count) { write(byte: 32) }
    }

    @inline(__always)
    public mutating func write(bytes source: UnsafeBufferPointer<UInt8>) {
        guard let base = source.baseAddress, source.count > 0 else { return }
        if count + source.count > capacity {
            flushBytes()
            if source.count > capacity {
                if collected != nil {
                    collected?.append(contentsOf: source)
                } else if !failed {
                    failed = !Self.writeAll(fd, UnsafeRawBufferPointer(source))
                }
                return
            }
        }
        (storage + count).update(from: base, count: source.count)
        count += source.count
    }

    /// Appends the decimal digits of `value` without allocating a String.
    @inline(__always)
    public mutating func write<T: BinaryInteger>(integer value: T) {
        // A sign and 20 digits at most.
        if count + 21 > capacity { flushBytes() }
        if value < 0 {
            storage[count] = UInt8(ascii: "-")
            count += 1
        }
        var magnitude = UInt64(truncatingIfNeeded: value.magnitude)
        if magnitude < 10 {
            storage[count] = UInt8(truncatingIfNeeded: magnitude) + 48
            count += 1
            return
        }
        var digits = 0
        var rest = magnitude
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var index = count + digits
        count = index
        while magnitude > 0 {
            index -= 1
            storage[index] = UInt8(truncatingIfNeeded: magnitude % 10) + 48
            magnitude /= 10
        }
    }

    /// Appends an IP address in its text form.
    @inline(__always)
    public mutating func write(address: IPAddress) {
        scratch.removeAll(keepingCapacity: true)
        address.appendText(to: &scratch)
        scratch.withUnsafeBufferPointer { write(bytes: $0) }
    }

    /// Flushes when the buffer has grown past its threshold; call between records.
    @inline(__always)
    public mutating func flushIfFull() {
        if count >= flushThreshold { flushBytes() }
    }

    /// Writes everything buffered now.
    public mutating func flush() { flushBytes() }

    private mutating func flushBytes() {
        guard count > 0 else { return }
        if collected != nil {
            collected?.append(contentsOf: UnsafeBufferPointer(start: storage, count: count))
        } else if !failed {
            failed = !Self.writeAll(fd, UnsafeRawBufferPointer(start: storage, count: count))
        }
        count = 0
    }

    /// Writes all of `bytes`, retrying short writes and EINTR; false when the write failed.
    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
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
