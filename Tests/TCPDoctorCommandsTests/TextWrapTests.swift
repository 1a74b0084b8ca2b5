import Testing

@testable import TCPDoctorCommands

/// Word wrapping of findings, explanations and advice.
struct TextWrapTests {
    @Test func breaksBeforeTheWordThatWouldPassTheWidth() {
        #expect(TextWrap.wrap("aaa bbb ccc ddd", width: 9, indent: "  ") == "  aaa bbb\n  ccc ddd")
    }

    @Test func keepsAWordLongerThanTheWidthWholeOnItsOwnLine() {
        #expect(TextWrap.wrap("a verylongword b", width: 6, indent: "") == "a\nverylongword\nb")
    }

    @Test func collapsesRunsOfSpacesAndGivesNothingForNoWords() {
        #expect(TextWrap.wrap("x   y", width: 20, indent: "> ") == "> x y")
        #expect(TextWrap.wrap("", width: 20, indent: "> ") == "")
        #expect(TextWrap.wrap("   ", width: 20, indent: "> ") == "")
    }

    @Test func countsCharactersNotBytes() {
        // "é" is two bytes in UTF-8: counted as bytes, the second one would not fit.
        #expect(TextWrap.wrap("é é é", width: 3, indent: "") == "é é\né")
    }

    /// The lengths are kept beside the line rather than counted again for each word; the result
    /// must be what counting them each time gave.
    @Test(arguments: [12, 30, 64, 100])
    func matchesCountingTheLineForEveryWord(width: Int) {
        let text = (1...40).map { "word\($0)" + String(repeating: "x", count: $0 % 7) }.joined(separator: " ")
        #expect(
            TextWrap.wrap(text, width: width, indent: "    ")
                == Self.countingEachTime(text, width: width, indent: "    ")
        )
    }

    private static func countingEachTime(_ text: String, width: Int, indent: String) -> String {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > width && line.count > indent.count {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        if line.count > indent.count { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
