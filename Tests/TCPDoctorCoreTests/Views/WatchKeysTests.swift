import Testing

@testable import TCPDoctorCore

struct WatchKeysTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test(arguments: [
        ("q", [WatchKeys.Action.quit]),
        ("\u{3}", [.quit]),
        (" ", [.togglePause]),
        ("s", [.moveSort(1)]),
        (">", [.moveSort(1)]),
        ("<", [.moveSort(-1)]),
        ("g", [.nextGrouping]),
        ("x", []),
        ("s<g", [.moveSort(1), .moveSort(-1), .nextGrouping]),
        ("qs", [.quit]),
    ])
    func tableKeys(typed: String, actions: [WatchKeys.Action]) {
        var keys = WatchKeys()
        #expect(keys.handle(Self.bytes(typed)) == actions)
        #expect(keys.mode == .table)
    }

    @Test func helpOpensAndCloses() {
        var keys = WatchKeys()
        #expect(keys.handle(Self.bytes("?")) == [.redraw])
        #expect(keys.mode == .help)
        #expect(keys.handle(Self.bytes("?")) == [.redraw])
        #expect(keys.mode == .table)
        _ = keys.handle(Self.bytes("?"))
        #expect(keys.handle([27]) == [.redraw])
        #expect(keys.mode == .table)
        _ = keys.handle(Self.bytes("?"))
        #expect(keys.handle(Self.bytes("q")) == [.quit], "q quits from the help too")
    }

    @Test func theLineEditorAppliesOnEnterAndCancelsOnEscape() {
        var keys = WatchKeys()
        #expect(keys.handle(Self.bytes("/")) == [.redraw])
        #expect(keys.mode == .editingFilter(""))
        _ = keys.handle(Self.bytes("state close-wait sport = :80"))
        #expect(keys.mode == .editingFilter("state close-wait sport = :80"))
        #expect(keys.handle([127, 127]).count == 2)
        #expect(keys.mode == .editingFilter("state close-wait sport = :"))
        _ = keys.handle(Self.bytes("8000"))
        #expect(keys.handle([13]) == [.applyFilter("state close-wait sport = :8000")])
        #expect(keys.mode == .table)

        _ = keys.handle(Self.bytes("/qgs "))
        #expect(keys.mode == .editingFilter("qgs "), "keys are text while editing")
        #expect(keys.handle([27]) == [.redraw])
        #expect(keys.mode == .table)

        keys.filter = "sport = :80"
        _ = keys.handle(Self.bytes("/"))
        #expect(keys.mode == .editingFilter("sport = :80"), "the editor starts with the filter in use")
        _ = keys.handle(Self.bytes("abc"))
        #expect(keys.handle([21]) == [.redraw])
        #expect(keys.mode == .editingFilter(""))
        #expect(keys.handle([3]) == [.quit], "Ctrl-C quits while editing")
    }

    @Test func escapeSequencesAreSkippedWhole() {
        var keys = WatchKeys()
        // Up and left arrows, then F5, then g.
        #expect(keys.handle([27, 91, 65, 27, 79, 68, 27, 91, 49, 53, 126] + Self.bytes("g")) == [.nextGrouping])
        _ = keys.handle(Self.bytes("/ab"))
        #expect(keys.handle([27, 91, 68]).isEmpty)
        #expect(keys.mode == .editingFilter("ab"), "an arrow does not cancel the editor")
    }

    @Test func groupingsCycle() {
        var grouping = StateHistogram.Grouping.process
        var seen: [StateHistogram.Grouping] = []
        for _ in 0..<4 {
            grouping = WatchKeys.grouping(after: grouping)
            seen.append(grouping)
        }
        #expect(seen == [.localPort, .remote, .netns, .process])
    }
}
