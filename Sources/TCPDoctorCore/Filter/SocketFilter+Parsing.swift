extension SocketFilter {
    /// Parses a filter given as command-line arguments, which are joined by spaces first.
    ///
    /// Leading `state S` and `exclude S` clauses combine as in `ss`: several `state` clauses add
    /// up, `exclude` removes. What follows is an expression of `sport`/`dport OP :PORT`,
    /// `src`/`dst ADDRESS[/PREFIX][:PORT]`, `state S`, `and`, `or`, `not` and parentheses, with
    /// `and` implied between adjacent terms.
    ///
    /// - Throws: `FilterError` naming the offending token and its offset.
    public init(arguments: [String]) throws(FilterError) {
        try self.init(parsing: arguments.joined(separator: " "))
    }

    /// Parses filter text.
    ///
    /// - Throws: `FilterError` naming the offending token and its offset.
    public init(parsing text: String) throws(FilterError) {
        var parser = FilterParser(text: text)
        self.init(try parser.parseFilter())
    }
}

/// Recursive descent over `FilterLexer` tokens.
///
/// Nesting and length are bounded so that no filter text can exhaust the stack: parsing,
/// matching, hashing and freeing an expression all recurse over its tree, whose depth grows with
/// each `(`, each `not` and each term of an `and`/`or` chain.
struct FilterParser {
    /// The deepest nesting of parentheses and `not` accepted.
    static let maximumNesting = 100
    /// The most terms (`state`, `sport`, `src`...) one filter may have.
    static let maximumTerms = 1000

    private let text: String
    private let tokens: [FilterToken]
    private var position = 0
    private var nesting = 0
    private var terms = 0

    init(text: String) {
        self.text = text
        self.tokens = FilterLexer.tokens(text)
    }

    mutating func parseFilter() throws(FilterError) -> SocketFilter.Expression {
        var stateSet: TCPStateSet?
        while let word = peekWord(), word == "state" || word == "exclude" {
            advance()
            let states = try parseStateName()
            if word == "state" {
                stateSet = (stateSet ?? []).union(states)
            } else {
                stateSet = (stateSet ?? .all).subtracting(states)
            }
        }
        if let word = peekWord(), ["and", "&&", "&", "or", "||", "|"].contains(word) {
            // `state a or state b`: the states are part of an expression, not ss-style clauses.
            position = 0
            stateSet = nil
        }
        var expression: SocketFilter.Expression = stateSet.map { .states($0) } ?? .always
        if position < tokens.count {
            let rest = try parseOr()
            expression = expression == .always ? rest : .and(expression, rest)
        }
        if position < tokens.count {
            throw error("unexpected '\(tokens[position].text)': expected 'and', 'or' or the end of the filter")
        }
        return expression
    }

    private mutating func parseOr() throws(FilterError) -> SocketFilter.Expression {
        var lhs = try parseAnd()
        while let word = peekWord(), ["or", "||", "|"].contains(word) {
            advance()
            lhs = .or(lhs, try parseAnd())
        }
        return lhs
    }

    private mutating func parseAnd() throws(FilterError) -> SocketFilter.Expression {
        var lhs = try parseUnary()
        while position < tokens.count {
            let token = tokens[position]
            if token.kind == .rightParen { break }
            if token.kind == .word {
                if ["or", "||", "|"].contains(token.text) { break }
                if ["and", "&&", "&"].contains(token.text) { advance() }
            }
            lhs = .and(lhs, try parseUnary())
        }
        return lhs
    }

    private mutating func parseUnary() throws(FilterError) -> SocketFilter.Expression {
        if let word = peekWord(), word == "not" || word == "!" {
            try enter()
            defer { nesting -= 1 }
            advance()
            return .not(try parseUnary())
        }
        return try parsePrimary()
    }

    /// One level deeper into parentheses or `not`, within `maximumNesting`.
    private mutating func enter() throws(FilterError) {
        guard nesting < Self.maximumNesting else {
            throw error("the filter nests parentheses and 'not' more than \(Self.maximumNesting) deep")
        }
        nesting += 1
    }

    private mutating func parsePrimary() throws(FilterError) -> SocketFilter.Expression {
        guard position < tokens.count else { throw error("the filter ends too early: expected a term") }
        let token = tokens[position]
        switch token.kind {
        case .leftParen:
            try enter()
            defer { nesting -= 1 }
            advance()
            let inner = try parseOr()
            guard position < tokens.count, tokens[position].kind == .rightParen else {
                throw error("missing ')' to close the '(' at offset \(token.offset)")
            }
            advance()
            return inner
        case .rightParen:
            throw error("unexpected ')': expected a term")
        case .word:
            break
        }
        terms += 1
        guard terms <= Self.maximumTerms else { throw error("the filter has more than \(Self.maximumTerms) terms") }
        advance()
        switch token.text {
        case "state":
            return .states(try parseStateName())
        case "exclude":
            return .states(TCPStateSet.all.subtracting(try parseStateName()))
        case "sport", "dport":
            let op = try parseOperator()
            return .port(token.text == "sport" ? .local : .remote, op, try parsePortOnly())
        case "src", "dst":
            if let word = peekWord(), ["=", "==", "eq"].contains(word) { advance() }
            return .address(token.text == "src" ? .local : .remote, try parseAddressPattern())
        default:
            position -= 1
            throw error(
                "unknown filter term '\(token.text)': expected state, exclude, sport, dport, src, dst, not or '('"
            )
        }
    }

    private mutating func parseStateName() throws(FilterError) -> TCPStateSet {
        guard let word = peekWord() else { throw error("expected a state name after 'state' or 'exclude'") }
        guard let states = Self.stateSet(named: word) else {
            let known = TCPState.displayed.map(\.ssName).joined(separator: ", ")
            throw error(
                "unknown state '\(word)': expected one of \(known), or all, connected, synchronized, bucket, big"
            )
        }
        advance()
        return states
    }

    /// A state name, or one of `ss`'s groups of states.
    static func stateSet(named name: String) -> TCPStateSet? {
        let connected = TCPStateSet.all.subtracting([TCPStateSet(.listen), TCPStateSet(.closed)])
        let bucket = TCPStateSet([.synReceived, .timeWait])
        switch name.lowercased() {
        case "all": return .all
        case "connected": return connected
        case "synchronized": return connected.subtracting(TCPStateSet(.synSent))
        case "bucket": return bucket
        case "big": return TCPStateSet.all.subtracting(bucket)
        default: return TCPState(name: name).map { TCPStateSet($0) }
        }
    }

    private mutating func parseOperator() throws(FilterError) -> SocketFilter.ComparisonOperator {
        guard let word = peekWord() else { throw error("expected an operator and a port, such as '= :443'") }
        let operators: [String: SocketFilter.ComparisonOperator] = [
            "=": .equal, "==": .equal, "eq": .equal, "!=": .notEqual, "ne": .notEqual, "neq": .notEqual,
            "<": .less, "lt": .less, "<=": .lessOrEqual, "le": .lessOrEqual, ">": .greater, "gt": .greater,
            ">=": .greaterOrEqual, "ge": .greaterOrEqual,
        ]
        if let op = operators[word] {
            advance()
            return op
        }
        // `dport :443` without an operator means equality, as `ss` accepts.
        return .equal
    }

    private mutating func parsePortOnly() throws(FilterError) -> UInt16 {
        guard let word = peekWord() else { throw error("expected a port, such as ':443'") }
        let text = word.hasPrefix(":") ? String(word.dropFirst()) : word
        guard let port = Self.port(text) else {
            throw error("'\(word)' is not a port: expected a number from 0 to 65535 or a service name such as :https")
        }
        advance()
        return port
    }

    private mutating func parseAddressPattern() throws(FilterError) -> SocketFilter.AddressPattern {
        guard let word = peekWord() else { throw error("expected an address, such as 10.0.0.1 or [::1]:443") }
        guard let pattern = Self.addressPattern(word) else {
            throw error(
                "'\(word)' is not an address: expected ADDRESS[/PREFIX][:PORT] such as 10.0.0.0/8, [::1]:443 or :80 (host names are not resolved)"
            )
        }
        advance()
        return pattern
    }

    static func addressPattern(_ word: String) -> SocketFilter.AddressPattern? {
        var hostPart = Substring(word)
        var port: UInt16?
        if hostPart.hasPrefix("[") {
            // [v6]/prefix:port or [v6]:port
            guard let close = hostPart.firstIndex(of: "]") else { return nil }
            let afterBracket = hostPart[hostPart.index(after: close)...]
            var rest = afterBracket
            var prefixText: Substring?
            if rest.hasPrefix("/") {
                let end = rest.firstIndex(of: ":") ?? rest.endIndex
                prefixText = rest[rest.index(after: rest.startIndex)..<end]
                rest = rest[end...]
            }
            if rest.hasPrefix(":") {
                guard let p = self.port(String(rest.dropFirst())) else { return nil }
                port = p
            } else if !rest.isEmpty {
                return nil
            }
            let inner = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            return makePattern(host: inner, prefix: prefixText, port: port)
        }
        // `:80` or `*:80`: any address, a port.
        let colons = hostPart.filter { $0 == ":" }.count
        if colons == 1 && (hostPart.hasPrefix(":") || hostPart.hasPrefix("*:")) {
            guard let p = self.port(String(hostPart.drop { $0 == "*" }.dropFirst())) else { return nil }
            return SocketFilter.AddressPattern(address: nil, prefixLength: 0, port: p)
        }
        if hostPart == "*" { return SocketFilter.AddressPattern(address: nil, prefixLength: 0, port: nil) }
        if colons == 1, let colon = hostPart.firstIndex(of: ":") {
            // IPv4 with a port: a.b.c.d[/n]:port
            guard let p = self.port(String(hostPart[hostPart.index(after: colon)...])) else { return nil }
            port = p
            hostPart = hostPart[..<colon]
        }
        var prefixText: Substring?
        if let slash = hostPart.firstIndex(of: "/") {
            prefixText = hostPart[hostPart.index(after: slash)...]
            hostPart = hostPart[..<slash]
        }
        return makePattern(host: hostPart, prefix: prefixText, port: port)
    }

    private static func makePattern(host: Substring, prefix: Substring?, port: UInt16?) -> SocketFilter.AddressPattern?
    {
        guard let address = IPAddress(host) else { return nil }
        let maximum = address.family == .ipv4 ? 32 : 128
        var length = maximum
        if let prefix {
            guard let value = Int(prefix), (0...maximum).contains(value) else { return nil }
            length = value
        }
        return SocketFilter.AddressPattern(address: address, prefixLength: length, port: port)
    }

    /// A port number, or one of the service names people type most.
    static func port(_ text: String) -> UInt16? {
        if let number = UInt16(text) { return number }
        let services: [String: UInt16] = [
            "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "http": 80, "pop3": 110,
            "imap": 143, "ldap": 389, "https": 443, "submission": 587, "imaps": 993, "pop3s": 995,
            "mysql": 3306, "postgresql": 5432, "redis": 6379, "http-alt": 8080,
        ]
        return services[text.lowercased()]
    }

    private func peekWord() -> String? {
        guard position < tokens.count, tokens[position].kind == .word else { return nil }
        return tokens[position].text
    }

    private mutating func advance() { position += 1 }

    private func error(_ message: String) -> FilterError {
        if position < tokens.count {
            let token = tokens[position]
            return FilterError(message: message, text: text, offset: token.offset, token: token.text)
        }
        return FilterError(message: message, text: text, offset: text.count, token: nil)
    }
}
