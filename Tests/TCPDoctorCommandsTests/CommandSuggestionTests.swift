import Testing

@testable import TCPDoctorCommands

/// "did you mean `sockets`?": which subcommand a mistyped word is taken for.
struct CommandSuggestionTests {
    static let names = ["doctor", "sockets", "states", "explain", "lab", "capture"]

    @Test(arguments: [
        ("socket", "sockets"), ("sokcets", "sockets"), ("Sockets", "sockets"), ("stat", "states"),
        ("stats", "states"), ("doctr", "doctor"), ("docter", "doctor"), ("doc", "doctor"), ("cap", "capture"),
        ("captures", "capture"), ("explian", "explain"), ("lap", "lab"), ("ex", "explain"),
    ])
    func typosGetTheNearestName(word: String, expected: String) {
        #expect(CommandSuggestion.closest(to: word, among: Self.names) == expected)
    }

    @Test(arguments: ["frobnicate", "s", "xyz", "", "list", "ss"])
    func wordsFarFromEveryNameGetNone(word: String) {
        #expect(CommandSuggestion.closest(to: word, among: Self.names) == nil)
    }

    @Test(arguments: [
        ("", "", 0), ("a", "", 1), ("", "abc", 3), ("socket", "sockets", 1), ("sokcets", "sockets", 1),
        ("kitten", "sitting", 3), ("ca", "ac", 1), ("abc", "abc", 0),
    ])
    func editDistance(a: String, b: String, distance: Int) {
        #expect(CommandSuggestion.editDistance(a, b) == distance)
        #expect(CommandSuggestion.editDistance(b, a) == distance)
    }
}
