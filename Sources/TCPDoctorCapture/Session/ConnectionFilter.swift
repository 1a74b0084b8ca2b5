import TCPDoctorCore

/// Which connections of a capture to show: the capture command's filters, as one pure value.
///
/// Terms combine with "and". `--host` and `--port` look at both ends; `--filter` speaks the
/// language of `tcpdoctor sockets` (that of `ss`), read with the originator as the local end (`src`,
/// `sport`) and the responder as the remote end (`dst`, `dport`), and `state S` holds when either
/// endpoint passed through S: `state close-wait` keeps the connections in which one side sat in
/// CLOSE_WAIT at all.
public struct ConnectionFilter: Sendable {
    /// Endings to keep; empty keeps every ending.
    public var endings: Set<Connection.Ending> = []
    /// Active closers to keep (`nil` standing for "nobody sent FIN"); empty keeps all.
    public var closers: Set<CloserChoice> = []
    /// Address patterns of which either end must match one; empty matches all.
    public var hosts: [SocketFilter.Expression] = []
    /// Ports of which either end must have one; empty matches all.
    public var ports: [UInt16] = []
    /// The shortest CLOSE_WAIT to keep, in seconds (open-at-end periods count at their length).
    public var minimumCloseWaitSeconds: Double?
    /// An ss-style expression.
    public var expression: SocketFilter.Expression = .always

    /// A filter that keeps every connection.
    public init() {}

    /// `--closer` values: one side, both, or none for connections without FIN.
    public enum CloserChoice: String, CaseIterable, Sendable {
        case originator
        case responder
        case both
        case none

        public init(_ closer: Connection.Closer?) {
            switch closer {
            case .originator: self = .originator
            case .responder: self = .responder
            case .both: self = .both
            case nil: self = .none
            }
        }
    }

    /// Whether any filter was given (the report then says how many connections matched).
    public var isActive: Bool {
        !endings.isEmpty || !closers.isEmpty || !hosts.isEmpty || !ports.isEmpty || minimumCloseWaitSeconds != nil
            || expression != .always
    }

    /// Whether `connection` passes every filter.
    public func matches(_ connection: Connection) -> Bool {
        if !endings.isEmpty && !endings.contains(connection.ended) { return false }
        if !closers.isEmpty && !closers.contains(CloserChoice(connection.activeCloser)) { return false }
        if !ports.isEmpty
            && !ports.contains(where: { $0 == connection.originator.port || $0 == connection.responder.port })
        {
            return false
        }
        if let minimum = minimumCloseWaitSeconds {
            guard let wait = connection.closeWait, wait.seconds >= minimum else { return false }
        }
        if hosts.isEmpty && expression == .always { return true }
        let record = Self.record(of: connection)
        if !hosts.isEmpty && !hosts.contains(where: { Self.evaluate($0, connection, record) }) { return false }
        return Self.evaluate(expression, connection, record)
    }

    /// Whether `connection` matches an ss expression, read with the originator as the local end.
    public static func evaluate(_ expression: SocketFilter.Expression, _ connection: Connection) -> Bool {
        evaluate(expression, connection, record(of: connection))
    }

    /// The socket record an expression's addresses and ports are matched against: the originator
    /// as the local end, the responder as the remote end.
    static func record(of connection: Connection) -> SocketRecord {
        SocketRecord(state: .established, local: connection.originator, remote: connection.responder)
    }

    /// Evaluates an ss expression: states against both timelines, addresses and ports through
    /// `SocketFilter` on `record`, which is `record(of: connection)`.
    public static func evaluate(
        _ expression: SocketFilter.Expression,
        _ connection: Connection,
        _ record: SocketRecord
    ) -> Bool {
        switch expression {
        case .always: true
        case .states(let set): !visitedStates(connection).intersection(set).isEmpty
        case .port, .address: SocketFilter(expression).matches(record)
        case .not(let inner): !evaluate(inner, connection, record)
        case .and(let lhs, let rhs): evaluate(lhs, connection, record) && evaluate(rhs, connection, record)
        case .or(let lhs, let rhs): evaluate(lhs, connection, record) || evaluate(rhs, connection, record)
        }
    }

    /// Every state either endpoint was in, initial states included.
    public static func visitedStates(_ connection: Connection) -> TCPStateSet {
        var set: TCPStateSet = []
        for timeline in [connection.originatorTimeline, connection.responderTimeline] {
            if let initial = timeline.initialState { set.insert(TCPStateSet(initial)) }
            for transition in timeline.transitions { set.insert(TCPStateSet(transition.to)) }
        }
        return set
    }
}

extension ConnectionFilter {
    /// The filter from the command line's words.
    ///
    /// Each list holds the values of one repeatable option (`--ended`, `--closer`, `--host`,
    /// `--port`); endings and closers may also be comma-separated. The messages name those options.
    ///
    /// - Throws: a `ConnectionFilterError` that says which word is wrong and what was expected.
    public init(
        endings: [String],
        closers: [String],
        hosts: [String],
        ports: [String],
        minimumCloseWaitSeconds: Double?,
        expression: String?
    ) throws(ConnectionFilterError) {
        for word in endings.flatMap({ $0.split(separator: ",") }) {
            guard let ending = Connection.Ending(rawValue: String(word)) else {
                let known = Connection.Ending.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConnectionFilterError("unknown --ended value '\(word)': expected one of \(known)")
            }
            self.endings.insert(ending)
        }
        for word in closers.flatMap({ $0.split(separator: ",") }) {
            guard let closer = CloserChoice(rawValue: String(word)) else {
                throw ConnectionFilterError(
                    "unknown --closer value '\(word)': expected originator, responder, both or none"
                )
            }
            self.closers.insert(closer)
        }
        for host in hosts {
            let parsed: SocketFilter.Expression
            do {
                parsed = try SocketFilter(parsing: "src \(host)").expression
            } catch {
                throw ConnectionFilterError("invalid --host '\(host)': \(error.message)")
            }
            guard case .address(_, let address) = parsed, address.port == nil else {
                throw ConnectionFilterError(
                    "--host takes one address with an optional /prefix, such as 10.0.0.0/8; got '\(host)'"
                )
            }
            self.hosts.append(.or(.address(.local, address), .address(.remote, address)))
        }
        for port in ports {
            let text = port.hasPrefix(":") ? String(port.dropFirst()) : port
            guard let value = UInt16(text), value > 0 else {
                throw ConnectionFilterError("--port takes a port number from 1 to 65535; got '\(port)'")
            }
            self.ports.append(value)
        }
        if let minimum = minimumCloseWaitSeconds, !(minimum >= 0) {
            throw ConnectionFilterError("--min-close-wait takes a number of seconds, 0 or more")
        }
        self.minimumCloseWaitSeconds = minimumCloseWaitSeconds
        if let expression {
            self.expression = try Self.parse(expression, option: "--filter")
        }
    }

    /// Parses an ss-style expression, naming the option in the message.
    ///
    /// - Parameters:
    ///   - text: the expression, in the language of `tcpdoctor sockets`.
    ///   - option: the command-line option it came with, for the message.
    /// - Throws: a `ConnectionFilterError` that names the offending token.
    public static func parse(_ text: String, option: String) throws(ConnectionFilterError) -> SocketFilter.Expression {
        do {
            return try SocketFilter(parsing: text).expression
        } catch {
            throw ConnectionFilterError("invalid \(option) '\(text)': \(error.description)")
        }
    }
}

/// A mistake in the words of a `ConnectionFilter`; the command line turns it into argument-parser's
/// `ValidationError` (exit 64).
public struct ConnectionFilterError: Error, Sendable, CustomStringConvertible {
    /// The sentence to show, naming the option and the offending value.
    public var description: String

    /// An error with this sentence.
    public init(_ description: String) { self.description = description }
}
