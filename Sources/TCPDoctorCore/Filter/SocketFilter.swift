/// A parsed socket filter in the language `ss` users know.
///
/// ```
/// state close-wait
/// state established '( dport = :443 or sport = :8000 )'
/// dst 10.0.0.0/8 and not src 127.0.0.1
/// ```
///
/// A filter is a pure value: `matches(_:)` judges one socket. `possibleStates` is the set of
/// states a matching socket can be in, which the kernel can filter for free (`idiag_states`).
public struct SocketFilter: Hashable, Sendable {
    public indirect enum Expression: Hashable, Sendable {
        case always
        case states(TCPStateSet)
        case port(Side, ComparisonOperator, UInt16)
        case address(Side, AddressPattern)
        case not(Expression)
        case and(Expression, Expression)
        case or(Expression, Expression)
    }

    /// Which end of the socket a term looks at: `src`/`sport` or `dst`/`dport`.
    public enum Side: Hashable, Sendable {
        case local
        case remote
    }

    public enum ComparisonOperator: String, Hashable, Sendable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="

        func holds(_ lhs: UInt16, _ rhs: UInt16) -> Bool {
            switch self {
            case .equal: lhs == rhs
            case .notEqual: lhs != rhs
            case .less: lhs < rhs
            case .lessOrEqual: lhs <= rhs
            case .greater: lhs > rhs
            case .greaterOrEqual: lhs >= rhs
            }
        }
    }

    /// An address with an optional prefix length and an optional port, as in `10.0.0.0/8:443`.
    public struct AddressPattern: Hashable, Sendable {
        public var address: IPAddress?
        public var prefixLength: Int
        public var port: UInt16?

        public init(address: IPAddress?, prefixLength: Int, port: UInt16?) {
            self.address = address
            self.prefixLength = prefixLength
            self.port = port
        }

        func matches(_ endpoint: Endpoint) -> Bool {
            if let port, endpoint.port != port { return false }
            guard let address else { return true }
            return Self.prefixMatches(address, prefixLength, endpoint.address)
        }

        /// Compares the first `prefixLength` bits; an IPv4 pattern also matches IPv4-mapped IPv6.
        static func prefixMatches(_ pattern: IPAddress, _ prefixLength: Int, _ candidate: IPAddress) -> Bool {
            if pattern.family == .ipv4 {
                guard let value = candidate.ipv4Value, let want = pattern.ipv4Value else { return false }
                let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
                return value & mask == want & mask
            }
            guard candidate.family == .ipv6 else {
                // An IPv4 socket can match an IPv4-mapped IPv6 pattern.
                guard pattern.isIPv4Mapped, prefixLength >= 96 else { return false }
                return prefixMatches(
                    IPAddress(ipv4: UInt32(truncatingIfNeeded: pattern.low)),
                    prefixLength - 96,
                    candidate
                )
            }
            func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - bits) }
            let highMask = mask(prefixLength)
            let lowMask = mask(prefixLength - 64)
            return pattern.high & highMask == candidate.high & highMask
                && pattern.low & lowMask == candidate.low & lowMask
        }
    }

    public var expression: Expression

    public init(_ expression: Expression = .always) {
        self.expression = expression
    }

    /// A filter that keeps every socket.
    public static let all = SocketFilter()

    /// Whether `socket` passes the filter.
    public func matches(_ socket: SocketRecord) -> Bool { Self.evaluate(expression, socket) }

    private static func evaluate(_ expression: Expression, _ socket: SocketRecord) -> Bool {
        switch expression {
        case .always: true
        case .states(let set): set.contains(socket.state)
        case .port(.local, let op, let port): op.holds(socket.local.port, port)
        case .port(.remote, let op, let port): op.holds(socket.remote.port, port)
        case .address(.local, let pattern): pattern.matches(socket.local)
        case .address(.remote, let pattern): pattern.matches(socket.remote)
        case .not(let inner): !evaluate(inner, socket)
        case .and(let lhs, let rhs): evaluate(lhs, socket) && evaluate(rhs, socket)
        case .or(let lhs, let rhs): evaluate(lhs, socket) || evaluate(rhs, socket)
        }
    }

    /// The states a matching socket can be in: a superset, safe to push into the kernel.
    public var possibleStates: TCPStateSet { Self.possibleStates(expression) }

    private static func possibleStates(_ expression: Expression) -> TCPStateSet {
        switch expression {
        case .states(let set): set
        case .and(let lhs, let rhs): possibleStates(lhs).intersection(possibleStates(rhs))
        case .or(let lhs, let rhs): possibleStates(lhs).union(possibleStates(rhs))
        // A negation or any other term can match sockets in every state.
        case .always, .port, .address, .not: .all
        }
    }

    /// Whether the kernel's state filter (`possibleStates`) is enough: the filter says nothing but
    /// states, and no `not`, for which `possibleStates` is every state (`not state listening`
    /// keeps no listener, yet asks the kernel for all sockets).
    public var isStatesOnly: Bool {
        func check(_ expression: Expression) -> Bool {
            switch expression {
            case .always, .states: true
            case .and(let lhs, let rhs): check(lhs) && check(rhs)
            case .or(let lhs, let rhs): check(lhs) && check(rhs)
            case .not, .port, .address: false
            }
        }
        return check(expression)
    }
}
