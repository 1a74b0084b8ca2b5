/// Makes text that came from outside tcpdoctor safe to print on a terminal.
///
/// Process names, command lines, namespace names and file names are chosen by whoever made
/// them, usually not the person running tcpdoctor (often as root). Printed raw, an ESC or OSC
/// sequence in them would drive that person's terminal: retitle it, clear it, move the cursor
/// over earlier lines, on some terminals write files or answer back keystrokes. Every text sink
/// passes such strings through `escaped(_:)`; JSON writers keep the string and escape it as JSON.
///
/// The escaped form is unambiguous and reversible, so nothing is hidden by it:
/// - a byte of C0 (0x00-0x1f), DEL (0x7f), a C1 control (U+0080-U+009F, whose UTF-8 bytes
///   `C2 80`-`C2 9F` are written as two escapes, `\xc2\x9b`), or a byte that is not part of
///   well-formed UTF-8, becomes `\xNN` (two lower-case hex digits, the C and Python notation;
///   procps `ps` prints `?` instead, which loses what the byte was);
/// - a backslash becomes `\\`, so a name that contains the four characters `\x1b` prints as
///   `\\x1b` and cannot pass for an escaped ESC;
/// - everything else, including all printable non-ASCII text, is kept.
///
/// Reading the result back (`\\` is one backslash, `\xNN` is the byte NN) gives the original
/// bytes exactly.
public enum TextEscaping {
    /// `text` with every terminal control and every backslash escaped (see the type's rules).
    ///
    /// Text that needs no escaping, nearly all of it, is returned as it is without allocating.
    public static func escaped(_ text: String) -> String {
        if isSafe(text) { return text }
        return escaped(bytes: text.utf8)
    }

    /// Raw bytes, such as a file name from a directory listing, as safe text: like `escaped(_:)`,
    /// and every byte that is not part of well-formed UTF-8 becomes `\xNN`.
    public static func escaped(bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                index += 1
            } else if byte < 0x20 || byte == 0x7f {
                appendEscape(byte, to: &output)
                index += 1
            } else if byte < 0x80 {
                output.append(byte)
                index += 1
            } else {
                let length = wellFormedLength(bytes, at: index)
                // A C1 control is the two-byte sequence C2 80...C2 9F.
                let isC1 = length == 2 && byte == 0xc2 && bytes[index + 1] < 0xa0
                if length == 0 || isC1 {
                    for offset in 0..<max(length, 1) { appendEscape(bytes[index + offset], to: &output) }
                    index += max(length, 1)
                } else {
                    output += bytes[index..<index + length]
                    index += length
                }
            }
        }
        // Every byte copied as it is belongs to a well-formed sequence, and escapes are ASCII.
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `text` prints as it is: no control, no C1 control, no backslash.
    ///
    /// Checked byte by byte in the UTF-8 form: a C1 control is the only UTF-8 sequence with
    /// the lead byte C2 followed by 80-9F, and a Swift string is always well-formed UTF-8.
    public static func isSafe(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7f || byte == UInt8(ascii: "\\") { return false }
            if previous == 0xc2 && byte < 0xa0 { return false }
            previous = byte
        }
        return true
    }

    private static func appendEscape(_ byte: UInt8, to output: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        hex.withUTF8Buffer { digits in
            output += [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(byte >> 4)], digits[Int(byte & 0xf)]]
        }
    }

    /// The length of the well-formed UTF-8 sequence of two to four bytes that starts at `index`,
    /// or 0 when there is none (a stray continuation byte, an overlong form, a surrogate, a code
    /// point above U+10FFFF, or a sequence cut short), following the Unicode Standard's table 3-7.
    private static func wellFormedLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xbf
        switch lead {
        case 0xc2...0xdf: length = 2
        case 0xe0:
            length = 3
            secondRange = 0xa0...0xbf
        case 0xe1...0xec, 0xee...0xef: length = 3
        case 0xed:
            length = 3
            secondRange = 0x80...0x9f
        case 0xf0:
            length = 4
            secondRange = 0x90...0xbf
        case 0xf1...0xf3: length = 4
        case 0xf4:
            length = 4
            secondRange = 0x80...0x8f
        default: return 0
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<length where !(0x80...0xbf).contains(bytes[index + offset]) { return 0 }
        return length
    }
}
