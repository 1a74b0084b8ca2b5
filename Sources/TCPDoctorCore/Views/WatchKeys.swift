/// The keys of `watch`'s full screen, as a pure state machine over the bytes a terminal sends in
/// key-at-a-time mode: what each byte asks for, and the line editor of `/`.
///
/// Kept apart from the terminal so that every key's meaning is tested without one. Escape
/// sequences (arrows, function keys: ESC `[` or `O`, then bytes up to a final byte) are skipped
/// whole, so an arrow never reads as Esc followed by letters.
public struct WatchKeys: Hashable, Sendable {
    /// What the screen shows besides the table.
    public enum Mode: Hashable, Sendable {
        /// The table, with the key hints at the bottom.
        case table
        /// The help overlay.
        case help
        /// The filter's line editor at the bottom, with the text typed so far.
        case editingFilter(String)
    }

    /// What a key asks the screen to do.
    public enum Action: Hashable, Sendable {
        /// q or Ctrl-C: restore the terminal and end.
        case quit
        /// Space: stop refreshing, or start again.
        case togglePause
        /// s and `>` (+1), `<` (-1): move the sort column by that many places.
        case moveSort(Int)
        /// g: the next grouping.
        case nextGrouping
        /// Enter in the line editor: use this filter text (an empty text shows every socket). The
        /// screen sets `filter` to it once it parsed.
        case applyFilter(String)
        /// The mode changed (help, editor): draw again.
        case redraw
    }

    public private(set) var mode: Mode = .table
    /// The filter in use: `/` starts the editor with it, so that a filter is refined, not retyped.
    public var filter: String

    public init(filter: String = "") {
        self.filter = filter
    }

    /// The actions that `bytes`, read at once from the terminal, ask for, in order.
    public mutating func handle(_ bytes: [UInt8]) -> [Action] {
        var actions: [Action] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == Self.escape, index < bytes.count,
                bytes[index] == UInt8(ascii: "[") || bytes[index] == UInt8(ascii: "O")
            {
                // A sequence: its introducer, parameters, and one final byte in 0x40...0x7E.
                index += 1
                while index < bytes.count, !(0x40...0x7E).contains(bytes[index]) { index += 1 }
                index += 1
                continue
            }
            if let action = handle(byte) { actions.append(action) }
            if actions.last == .quit { break }
        }
        return actions
    }

    private mutating func handle(_ byte: UInt8) -> Action? {
        if byte == Self.controlC { return .quit }
        if case .editingFilter(let text) = mode {
            switch byte {
            case 10, 13:
                mode = .table
                return .applyFilter(text)
            case Self.escape:
                mode = .table
                return .redraw
            case 8, 127:
                mode = .editingFilter(String(text.dropLast()))
                return .redraw
            case Self.controlU:
                mode = .editingFilter("")
                return .redraw
            case 0x20...0x7E:
                mode = .editingFilter(text + String(UnicodeScalar(byte)))
                return .redraw
            default:
                return nil
            }
        }
        switch byte {
        case UInt8(ascii: "q"), UInt8(ascii: "Q"): return .quit
        case UInt8(ascii: " "): return .togglePause
        case UInt8(ascii: "s"), UInt8(ascii: ">"): return .moveSort(1)
        case UInt8(ascii: "<"): return .moveSort(-1)
        case UInt8(ascii: "g"): return .nextGrouping
        case UInt8(ascii: "/"):
            mode = .editingFilter(filter)
            return .redraw
        case UInt8(ascii: "?"):
            mode = mode == .help ? .table : .help
            return .redraw
        case Self.escape where mode == .help:
            mode = .table
            return .redraw
        default: return nil
        }
    }

    /// The grouping after `grouping`, in `StateHistogram.Grouping.allCases` order, wrapping around.
    public static func grouping(after grouping: StateHistogram.Grouping) -> StateHistogram.Grouping {
        let all = StateHistogram.Grouping.allCases
        let index = all.firstIndex(of: grouping) ?? 0
        return all[(index + 1) % all.count]
    }

    static let escape: UInt8 = 27
    static let controlC: UInt8 = 3
    static let controlU: UInt8 = 21
}
