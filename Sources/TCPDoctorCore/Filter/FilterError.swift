/// A filter that could not be parsed, with the place of the offending token.
public struct FilterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a sentence that says what was expected.
    public var message: String
    /// The filter text as it was parsed (arguments joined by single spaces).
    public var text: String
    /// Character offset of the offending token in `text` (at its end if input ran out).
    public var offset: Int
    /// The offending token, or nil when the input ended early.
    public var token: String?

    public init(message: String, text: String, offset: Int, token: String?) {
        self.message = message
        self.text = text
        self.offset = offset
        self.token = token
    }

    /// The message, the filter text, and a caret under the offending token.
    public var description: String {
        let width = max(1, token?.count ?? 1)
        let caret = String(repeating: " ", count: offset) + String(repeating: "^", count: width)
        return "\(message)\n  \(text)\n  \(caret)"
    }
}
