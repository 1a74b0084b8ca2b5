/// A token of the filter language, with its character offset for error messages.
struct FilterToken: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case word
        case leftParen
        case rightParen
    }

    var kind: Kind
    var text: String
    var offset: Int
}

/// Splits filter text into words and parentheses.
///
/// Operators are words too (`=`, `!=`, `>=`...), so `dport=:80`, `dport = :80` and
/// `dport =:80` all lex alike: a run of operator characters always forms its own word.
enum FilterLexer {
    private static let operatorCharacters: Set<Character> = ["=", "!", "<", ">", "&", "|"]

    static func tokens(_ text: String) -> [FilterToken] {
        var result: [FilterToken] = []
        var current = ""
        var currentStart = 0
        var currentIsOperator = false
        var bracketDepth = 0

        func flush() {
            if !current.isEmpty { result.append(FilterToken(kind: .word, text: current, offset: currentStart)) }
            current = ""
        }

        for (offset, character) in text.enumerated() {
            if bracketDepth > 0 {
                // Inside `[...]` of an IPv6 address nothing splits a word.
                current.append(character)
                if character == "]" { bracketDepth -= 1 }
                continue
            }
            switch character {
            case " ", "\t", "\n":
                flush()
            case "(", ")":
                flush()
                result.append(
                    FilterToken(
                        kind: character == "(" ? .leftParen : .rightParen,
                        text: String(character),
                        offset: offset
                    )
                )
            default:
                let isOperator = operatorCharacters.contains(character)
                // `!` directly before a word is negation, as in `!dport`; keep it apart.
                if !current.isEmpty && isOperator != currentIsOperator { flush() }
                if current.isEmpty {
                    currentStart = offset
                    currentIsOperator = isOperator
                }
                current.append(character)
                if character == "[" { bracketDepth += 1 }
            }
        }
        flush()
        return result
    }
}
