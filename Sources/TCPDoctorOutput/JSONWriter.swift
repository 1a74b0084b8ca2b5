import TCPDoctorCore

/// A streaming JSON writer that owns its `OutputBuffer`.
///
/// Used for the large documents (every socket, every connection of a capture), where Codable is
/// an order of magnitude too slow; small documents use it too, for one consistent style. It
/// tracks commas itself: callers say `key`, then a value; `beginObject`/`endObject` nest. The
/// comma state is a bit stack in one integer, so nesting costs no allocation.
public struct JSONWriter: ~Copyable {
    public var out: OutputBuffer
    /// Bit `depth` set: the container at that depth already has an element.
    private var hasElement: UInt64 = 0
    private var depth = 0
    private var afterKey = false

    public init(_ out: consuming OutputBuffer) {
        self.out = out
    }

    @inline(__always)
    private mutating func separator() {
        if afterKey {
            afterKey = false
            return
        }
        let bit: UInt64 = 1 << UInt64(depth)
        if hasElement & bit != 0 { out.write(byte: UInt8(ascii: ",")) }
        hasElement |= bit
    }

    public mutating func beginObject() {
        separator()
        out.write(byte: UInt8(ascii: "{"))
        push()
    }

    public mutating func endObject() {
        pop()
        out.write(byte: UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separator()
        out.write(byte: UInt8(ascii: "["))
        push()
    }

    public mutating func endArray() {
        pop()
        out.write(byte: UInt8(ascii: "]"))
    }

    @inline(__always)
    private mutating func push() {
        // Deeper than 63 levels never happens in our documents; saturate rather than trap.
        depth = min(depth + 1, 63)
        hasElement &= ~(1 << UInt64(depth))
    }

    @inline(__always)
    private mutating func pop() {
        depth = max(depth - 1, 0)
        out.flushIfFull()
    }

    @inline(__always)
    public mutating func key(_ name: StaticString) {
        separator()
        out.write(byte: UInt8(ascii: "\""))
        name.withUTF8Buffer { out.write(bytes: $0) }
        out.write(byte: UInt8(ascii: "\""))
        out.write(byte: UInt8(ascii: ":"))
        afterKey = true
    }

    /// A key that is not known at compile time (group names, evidence keys).
    public mutating func key(dynamic name: String) {
        separator()
        writeEscaped(name)
        out.write(byte: UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func value(_ text: String) {
        separator()
        writeEscaped(text)
    }

    /// An endpoint as `{"address": ..., "port": ...}`, the form every document uses.
    public mutating func value(endpoint: Endpoint) {
        beginObject()
        key("address")
        value(address: endpoint.address)
        key("port")
        value(endpoint.port)
        endObject()
    }

    /// An IP address as a JSON string.
    @inline(__always)
    public mutating func value(address: IPAddress) {
        separator()
        out.write(byte: UInt8(ascii: "\""))
        out.write(address: address)
        out.write(byte: UInt8(ascii: "\""))
    }

    @inline(__always)
    public mutating func value<T: BinaryInteger>(_ number: T) {
        separator()
        out.write(integer: number)
    }

    public mutating func value(_ number: Double) {
        separator()
        if !number.isFinite {
            out.write("null")
        } else if number == number.rounded() && abs(number) < 1e15 {
            out.write(integer: Int64(number))
        } else {
            // Three decimals are enough for seconds (ms) and ratios.
            out.write(String((number * 1000).rounded() / 1000))
        }
    }

    /// A time or duration in nanoseconds, written as seconds with nine decimals
    /// (`1700000000.000123456`): exact, where a `Double` of epoch seconds keeps only microseconds.
    public mutating func value(secondsFromNanoseconds nanoseconds: Int64) {
        separator()
        if nanoseconds < 0 { out.write(byte: UInt8(ascii: "-")) }
        let magnitude = nanoseconds.magnitude
        out.write(integer: magnitude / 1_000_000_000)
        out.write(byte: UInt8(ascii: "."))
        var fraction = magnitude % 1_000_000_000
        var divisor: UInt64 = 100_000_000
        while divisor > 0 {
            out.write(byte: UInt8(truncatingIfNeeded: fraction / divisor) + 48)
            fraction %= divisor
            divisor /= 10
        }
    }

    public mutating func value(_ flag: Bool) {
        separator()
        out.write(flag ? "true" : "false")
    }

    public mutating func null() {
        separator()
        out.write("null")
    }

    /// A string, or `null` for nil.
    public mutating func value(_ text: String?) {
        if let text { value(text) } else { null() }
    }

    /// A number, or `null` for nil.
    public mutating func value(_ number: Double?) {
        if let number { value(number) } else { null() }
    }

    /// An integer, or `null` for nil.
    public mutating func value<T: BinaryInteger>(_ number: T?) {
        if let number { value(number) } else { null() }
    }

    /// Ends the document with a newline and flushes it.
    public mutating func finish() {
        out.write(byte: 10)
        out.flush()
    }

    /// Writes `text` as a JSON string: quotes and backslashes escaped, and every control
    /// character as `\u00XX` (`\n`, `\r`, `\t` for the common three).
    ///
    /// JSON requires escapes only below 0x20; DEL and the C1 controls (U+0080-U+009F, which some
    /// terminals take as CSI and OSC) are escaped too, so that a document with process names in
    /// it is as safe to `cat` on a terminal as the text output. A parser reads the same string.
    private mutating func writeEscaped(_ text: String) {
        out.write(byte: UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                // Printable ASCII, nearly every byte of a document, is decided in one comparison.
                if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                // A C1 control is C2 80...C2 9F in UTF-8 (a Swift string is always well-formed).
                let isC1 = byte == 0xc2 && index + 1 < bytes.count && bytes[index + 1] < 0xa0
                if byte > 0x7f && !isC1 {
                    index += 1
                    continue
                }
                if start < index { out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
                switch byte {
                case UInt8(ascii: "\""): out.write("\\\"")
                case UInt8(ascii: "\\"): out.write("\\\\")
                case 10: out.write("\\n")
                case 13: out.write("\\r")
                case 9: out.write("\\t")
                default: writeUnicodeEscape(isC1 ? bytes[index + 1] : byte)
                }
                index += isC1 ? 2 : 1
                start = index
            }
            if start < bytes.count { out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start...])) }
        }
        out.write(byte: UInt8(ascii: "\""))
    }

    /// `\u00XX` for a code point below 0x100.
    private mutating func writeUnicodeEscape(_ codePoint: UInt8) {
        let hex: StaticString = "0123456789abcdef"
        out.write("\\u00")
        hex.withUTF8Buffer { digits in
            out.write(byte: digits[Int(codePoint >> 4)])
            out.write(byte: digits[Int(codePoint & 0xf)])
        }
    }
}
