import Foundation
import TCPDoctorOutput
import Testing

@testable import TCPDoctorCommands

struct JSONWriterTests {
    /// Every control character, C1 included, comes out as an escape and parses back to itself.
    @Test func controlCharactersAreEscapedAndRoundTrip() throws {
        let strings = (0...0xa0).map { String(Character(Unicode.Scalar(UInt8($0)))) + "x" } + ["\"\\/", "caf\u{e9}"]
        let bytes = pipeOutput { fd in
            var json = JSONWriter(OutputBuffer(fd: fd))
            json.beginArray()
            for string in strings { json.value(string) }
            json.endArray()
            json.finish()
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7f...0x9f).contains($0.value) })
        #expect(text.contains("\"\\u001bx\""))
        #expect(text.contains("\"\\u007fx\""))
        #expect(text.contains("\"\\u009bx\""))
        #expect(text.contains("\"\u{a0}x\""), "U+00A0 is not a control")
        let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String]
        #expect(parsed == strings)
    }
}
