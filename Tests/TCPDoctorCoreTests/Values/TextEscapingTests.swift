import Testing

@testable import TCPDoctorCore

struct TextEscapingTests {
    @Test(arguments: [
        ("server", "server"),
        ("", ""),
        ("nginx: worker process", "nginx: worker process"),
        ("caf\u{e9} \u{65e5}\u{672c} \u{1F600}", "caf\u{e9} \u{65e5}\u{672c} \u{1F600}"),
        ("\u{1B}]0;owned\u{07}", "\\x1b]0;owned\\x07"),
        ("\u{1B}[2J", "\\x1b[2J"),
        ("a\u{0}b", "a\\x00b"),
        ("tab\there\nnew\rline", "tab\\x09here\\x0anew\\x0dline"),
        ("\u{1F}\u{20}", "\\x1f "),
        ("del\u{7F}", "del\\x7f"),
        ("csi\u{9B}2J", "csi\\xc2\\x9b2J"),
        ("\u{80}\u{9F}\u{A0}", "\\xc2\\x80\\xc2\\x9f\u{A0}"),
        ("back\\slash", "back\\\\slash"),
        ("\\x1b", "\\\\x1b"),
    ])
    func escapesControlsAndBackslashes(raw: String, expected: String) {
        #expect(TextEscaping.escaped(raw) == expected)
        #expect(TextEscaping.escaped(bytes: Array(raw.utf8)) == expected)
        #expect(TextEscaping.isSafe(raw) == (raw == expected))
    }

    @Test(
        arguments: [
            ([0x66, 0xff, 0x6f], "f\\xffo"),
            ([0x80], "\\x80"),
            ([0xc3], "\\xc3"),
            ([0xc3, 0x28], "\\xc3("),
            ([0xc0, 0xaf], "\\xc0\\xaf"),
            ([0xe0, 0x80, 0xaf], "\\xe0\\x80\\xaf"),
            ([0xed, 0xa0, 0x80], "\\xed\\xa0\\x80"),
            ([0xf4, 0x90, 0x80, 0x80], "\\xf4\\x90\\x80\\x80"),
            ([0xf0, 0x9f, 0x98], "\\xf0\\x9f\\x98"),
            ([0xf5, 0x80], "\\xf5\\x80"),
            ([0xe2, 0x82, 0xac], "\u{20AC}"),
            ([0xf0, 0x9f, 0x98, 0x80], "\u{1F600}"),
        ] as [([UInt8], String)]
    )
    func escapesBytesThatAreNotUTF8(bytes: [UInt8], expected: String) {
        #expect(TextEscaping.escaped(bytes: bytes) == expected)
    }

    /// Whatever the bytes, the result is printable and reads back to exactly the same bytes.
    ///
    /// Exhaustive rather than random: every string of one and two bytes, and every string of
    /// four bytes over the bytes that start, continue or break UTF-8 sequences and escapes.
    @Test func everyByteStringRoundTripsAndPrintsSafely() {
        var inputs: [[UInt8]] = (0...255).map { [UInt8($0)] }
        for first in 0...255 { for second in 0...255 { inputs.append([UInt8(first), UInt8(second)]) } }
        let alphabet: [UInt8] = [
            0x00, 0x1b, 0x5c, 0x78, 0x41, 0x7f, 0x80, 0x9b, 0x9f, 0xa0, 0xbf, 0xc2, 0xc3, 0xe0, 0xed, 0xf0, 0xf4, 0xff,
        ]
        for a in alphabet {
            for b in alphabet { for c in alphabet { for d in alphabet { inputs.append([a, b, c, d]) } } }
        }
        var failures = 0
        for bytes in inputs {
            let escaped = TextEscaping.escaped(bytes: bytes)
            let printable = !escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) }
            if Self.unescape(escaped) != bytes || !printable {
                failures += 1
                if failures < 5 { Issue.record("\(bytes) escaped as \(escaped.debugDescription)") }
            }
        }
        #expect(failures == 0)
    }

    /// `\\` is a backslash, `\xNN` the byte NN, anything else itself.
    static func unescape(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 1 < utf8.count, utf8[index + 1] == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
                index += 2
            } else if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count, utf8[index + 1] == UInt8(ascii: "x"),
                let value = UInt8(String(decoding: utf8[index + 2...index + 3], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return bytes
    }
}
