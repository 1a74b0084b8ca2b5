/// A streaming JSON writer over an `OutputStream`.
///
/// Used for the large documents (every socket, every connection of a capture), where Codable is
/// an order of magnitude too slow; small documents use it too, for one consistent style. It
/// tracks commas itself: callers say `key`, then a value; `beginObject`/`endObject` nest.
public struct JSONWriter {
    private let out: OutputStream
    /// Whether the current container already has an element (so the next needs a comma).
    private var needsComma: [Bool] = [false]
    private var afterKey = false
    private let pretty: Bool

    public init(_ out: OutputStream, pretty: Bool = false) {
        self.out = out
        self.pretty = pretty
    }

    private mutating func separator() {
        if afterKey {
            afterKey = false
            return
        }
        if needsComma[needsComma.count - 1] { out.write(byte: UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        if pretty && needsComma.count > 1 { newline() }
    }

    private func newline() {
        out.write(byte: 10)
        for _ in 1..<needsComma.count { out.write("  ") }
    }

    public mutating func beginObject() {
        separator()
        out.write(byte: UInt8(ascii: "{"))
        needsComma.append(false)
    }

    public mutating func endObject() {
        let hadElements = needsComma.removeLast()
        if pretty && hadElements { newline() }
        out.write(byte: UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separator()
        out.write(byte: UInt8(ascii: "["))
        needsComma.append(false)
    }

    public mutating func endArray() {
        let hadElements = needsComma.removeLast()
        if pretty && hadElements { newline() }
        out.write(byte: UInt8(ascii: "]"))
    }

    public mutating func key(_ name: StaticString) {
        separator()
        out.write(byte: UInt8(ascii: "\""))
        name.withUTF8Buffer { out.write(bytes: $0) }
        out.write(byte: UInt8(ascii: "\""))
        out.write(byte: UInt8(ascii: ":"))
        if pretty { out.write(byte: UInt8(ascii: " ")) }
        afterKey = true
    }

    /// A key that is not known at compile time (group names, evidence keys).
    public mutating func key(dynamic name: String) {
        separator()
        writeEscaped(name)
        out.write(byte: UInt8(ascii: ":"))
        if pretty { out.write(byte: UInt8(ascii: " ")) }
        afterKey = true
    }

    public mutating func value(_ text: String) {
        separator()
        writeEscaped(text)
    }

    public mutating func value<T: BinaryInteger>(_ number: T) {
        separator()
        out.write(integer: number)
    }

    public mutating func value(_ number: Double) {
        separator()
        if number.isFinite {
            // Integral values print without a fraction; others with up to 3 decimals.
            if number == number.rounded() && abs(number) < 1e15 {
                out.write(integer: Int64(number))
            } else {
                out.write(String((number * 1000).rounded() / 1000))
            }
        } else {
            out.write("null")
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

    private func writeEscaped(_ text: String) {
        out.write(byte: UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
                switch byte {
                case UInt8(ascii: "\""): out.write("\\\"")
                case UInt8(ascii: "\\"): out.write("\\\\")
                case 10: out.write("\\n")
                case 13: out.write("\\r")
                case 9: out.write("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.write("\\u00")
                    out.write(byte: hex[Int(byte >> 4)])
                    out.write(byte: hex[Int(byte & 0xf)])
                }
                start = index + 1
            }
            if start < bytes.count { out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start...])) }
        }
        out.write(byte: UInt8(ascii: "\""))
    }
}
