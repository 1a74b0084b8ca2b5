import TCPDoctorCore

extension LabScenario {
    /// Every scenario, in the order `lab list` shows them.
    public static let all: [LabScenario] = LabScenario.Kind.allCases.map(LabScenario.init(kind:))

    /// The scenario with the id `id`.
    ///
    /// - Throws: `LabError.Code.unknownScenario`, naming the known ids.
    public static func named(_ id: String) throws(LabError) -> LabScenario {
        guard let kind = Kind(rawValue: id) else {
            let known = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw LabError(.unknownScenario, "no lab scenario is called '\(id)'; known scenarios: \(known)")
        }
        return LabScenario(kind: kind)
    }

    // The texts are written for `lab list` and the run summary; the facts behind them are in
    // DESIGN.md ("Facts about Linux").
    init(kind: Kind) {
        switch kind {
        case .closeWaitNoRead:
            self.init(
                kind,
                title: "server that stops reading: CLOSE_WAIT with Recv-Q 1",
                reproduces: "Clients connect and close; the server accepts but never reads or closes. Each accepted "
                    + "socket sits in CLOSE_WAIT with Recv-Q 1: the peer's FIN itself is unread.",
                fix: "The server reads, sees EOF (read() == 0) and closes.",
                rule: "close-wait-leak",
                culprit: .server,
                state: .closeWait,
                connections: 50,
                commands: [.server: "lab-srv-noread", .client: "lab-cli-noread"]
            )
        case .closeWaitEOF:
            self.init(
                kind,
                title: "server that reads EOF and never closes: CLOSE_WAIT with Recv-Q 0",
                reproduces: "Clients connect and close; the server reads until read() returns 0 and then keeps "
                    + "the socket. Each accepted socket sits in CLOSE_WAIT with Recv-Q 0.",
                fix: "The server closes when read() returns 0.",
                rule: "close-wait-leak",
                culprit: .server,
                state: .closeWait,
                connections: 50,
                commands: [.server: "lab-srv-eof", .client: "lab-cli-eof"]
            )
        case .closeWaitData:
            self.init(
                kind,
                title: "server that stops mid-stream: CLOSE_WAIT with unread data",
                reproduces: "Clients send a \(LabWire.streamLength)-byte message and close; the server reads "
                    + "its \(LabWire.headerLength)-byte header and stops. Each accepted socket sits in "
                    + "CLOSE_WAIT with Recv-Q \(LabWire.unreadAfterHeader): the unread data plus the FIN.",
                fix: "The server drains the socket to EOF and closes.",
                rule: "close-wait-leak",
                culprit: .server,
                state: .closeWait,
                connections: 50,
                commands: [.server: "lab-srv-data", .client: "lab-cli-data"]
            )
        case .forkShared:
            self.init(
                kind,
                title: "forking server whose parent keeps the accepted fd",
                reproduces: "The server spawns a handler child per connection that inherits the accepted fd, "
                    + "and keeps its own copy. Open connections are held by two processes; when a client "
                    + "closes, the handler reads EOF and closes, but the connection stays in CLOSE_WAIT "
                    + "because the server still holds it. Half the clients close, half stay connected.",
                fix: "The server closes its copy right after handing the fd to the handler.",
                rule: "shared-socket",
                culprit: .server,
                state: .established,
                connections: 10,
                commands: [.server: "lab-srv-fork", .client: "lab-cli-fork", .handler: "lab-fork-hndlr"]
            )
        case .httpClientLeak:
            self.init(
                kind,
                title: "HTTP client that never closes: CLOSE_WAIT on the client",
                reproduces: "The server answers each request, then closes the idle connection (a keep-alive "
                    + "timeout); the client has read its response and never closes its side. Each client "
                    + "socket sits in CLOSE_WAIT with Recv-Q 1 (the FIN unread), pointing at the server's port.",
                fix: "The client closes each connection after reading the response.",
                rule: "close-wait-leak",
                culprit: .client,
                state: .closeWait,
                connections: 50,
                commands: [.server: "lab-http-srv", .client: "lab-cli-leak"]
            )
        case .serverClosesFirst:
            self.init(
                kind,
                title: "server that closes first: TIME_WAIT on the server's port",
                reproduces: "For every request the server answers and closes first; the client reads to EOF "
                    + "and closes. TIME_WAIT (60 s on Linux) lands on the server's side, one per request.",
                fix: "The client closes first after reading the response; TIME_WAIT moves to the client, "
                    + "spread over its ephemeral ports.",
                rule: "time-wait",
                culprit: .server,
                state: .timeWait,
                connections: 50,
                commands: [.server: "lab-srv-close1", .client: "lab-cli-close1"]
            )
        case .portExhaustion:
            self.init(
                kind,
                title: "client that exhausts its ephemeral ports toward one destination",
                reproduces: "In a network namespace of its own (ip_local_port_range narrowed, tcp_tw_reuse 0), "
                    + "the client opens one short connection per request to one server and closes first, "
                    + "until connect() fails with EADDRNOTAVAIL: every port of the range is in TIME_WAIT.",
                fix: "The client sends every request over one kept-alive connection (connection reuse).",
                rule: "time-wait",
                culprit: .client,
                state: .timeWait,
                connections: 500,
                meaning: "the width of the namespace's ephemeral port range",
                namespace: true,
                commands: [.server: "lab-srv-sink", .client: "lab-cli-exhaust"]
            )
        case .emfile:
            self.init(
                kind,
                title: "server that leaks sockets until \"Too many open files\"",
                reproduces: "Under a low RLIMIT_NOFILE soft limit, the server accepts and never closes; clients "
                    + "connect and close. accept() fails with EMFILE once the fd table is full; the server "
                    + "reports it and keeps holding every leaked socket (CLOSE_WAIT).",
                fix: "The server closes each connection at EOF and stays far below its limit.",
                rule: "fd-exhaustion",
                culprit: .server,
                state: .closeWait,
                connections: 256,
                meaning: "the server's RLIMIT_NOFILE soft limit; clients open that many plus 16",
                commands: [.server: "lab-srv-emfile", .client: "lab-cli-emfile"]
            )
        case .resetHeld:
            self.init(
                kind,
                title: "sockets reset while their fds stay open",
                reproduces: "Clients connect and abort (SO_LINGER 0: an RST); the server gets ECONNRESET and "
                    + "keeps the fd. The sockets are in no kernel table (netstat and ss show nothing) while "
                    + "the server still holds one fd each.",
                fix: "The server closes the socket on ECONNRESET.",
                rule: "dead-socket-fds",
                culprit: .server,
                state: nil,
                connections: 50,
                commands: [.server: "lab-srv-reset", .client: "lab-cli-reset"]
            )
        case .acceptStall:
            self.init(
                kind,
                title: "server that stops accepting: a full accept queue",
                reproduces: "The server listens with a backlog of \(LabWire.stallBacklog) and never calls accept() "
                    + "(its accept loop is stuck elsewhere); clients connect and wait. The accept queue fills "
                    + "with \(LabWire.stallBacklog + 1) completed connections no process holds yet (the "
                    + "listener's Recv-Q); every later SYN is dropped (TcpExt.ListenOverflows) and retried, "
                    + "so those clients sit in SYN_SENT until they time out.",
                fix: "The server accepts each connection as it arrives.",
                rule: "listen-backlog",
                culprit: .server,
                state: .established,
                connections: 16,
                meaning: "how many connections the clients open (the backlog is \(LabWire.stallBacklog))",
                commands: [.server: "lab-srv-stall", .client: "lab-cli-stall"]
            )
        case .unansweredSYN:
            self.init(
                kind,
                title: "client connecting to a destination that never answers: SYN_SENT",
                reproduces: "In a network namespace of its own, the client connects to 10.77.0.2, an address "
                    + "the namespace routes into nowhere (as a firewall that drops SYNs, or a host that is "
                    + "gone), with no connect timeout of its own. Each attempt sits in SYN_SENT, its SYN "
                    + "retransmitted until net.ipv4.tcp_syn_retries runs out (about two minutes).",
                fix: "The client bounds each connect() with a timeout of "
                    + "\(LabWire.connectTimeoutMilliseconds) ms and closes the socket when it expires.",
                rule: "syn-sent",
                culprit: .client,
                state: .synSent,
                connections: 30,
                namespace: true,
                commands: [.server: "lab-srv-moved", .client: "lab-cli-nosyn"]
            )
        }
    }

    private init(
        _ kind: Kind,
        title: String,
        reproduces: String,
        fix: String,
        rule: String,
        culprit: Role,
        state: TCPState?,
        connections: Int,
        meaning: String = "how many connections the clients open",
        namespace: Bool = false,
        commands: [Role: String]
    ) {
        self.kind = kind
        self.title = title
        self.reproduces = reproduces
        self.fix = fix
        self.expectedRule = rule
        self.culprit = culprit
        self.expectedState = state
        self.defaultConnections = connections
        self.connectionsMeaning = meaning
        self.needsNamespace = namespace
        self.commands = commands
    }
}
