import Glibc
import TCPDoctorSystem

/// The connecting side of every scenario, broken or fixed.
struct LabClientRole {
    let spec: LabRoleSpec
    let context: RoleContext
    /// Connections the client keeps open (the leak of `http-client-leak`, the sessions of
    /// `fork-shared`, the pooled connection of fixed `port-exhaustion`).
    private var kept: [Int32] = []

    init(spec: LabRoleSpec, context: RoleContext) {
        self.spec = spec
        self.context = context
    }

    mutating func run() throws {
        defer { for fd in kept { LabSystem.close(fd) } }
        var fields: [(String, String)] = []
        switch spec.scenario.kind {
        case .closeWaitNoRead, .closeWaitEOF:
            try repeatConnections(spec.count) { _ in }
        case .emfile:
            try repeatConnections(spec.count + LabRun.emfileExtraConnections) { _ in }
        case .closeWaitData:
            try repeatConnections(spec.count) { fd in
                try LabSystem.send(fd, [UInt8](repeating: UInt8(ascii: "x"), count: LabWire.streamLength))
            }
        case .resetHeld:
            try repeatConnections(spec.count) { fd in try LabSystem.setAbortOnClose(fd) }
        case .forkShared: try openSessions()
        case .httpClientLeak: try fetchEach()
        case .serverClosesFirst: try fetchShortLived()
        case .portExhaustion: fields = try spec.fixed ? fetchOverOneConnection() : fetchUntilPortsRunOut()
        case .acceptStall: fields = try connectAndWait()
        case .unansweredSYN: try dialTheUnanswered()
        }
        context.report("settled", fields)
        context.hold()
    }

    /// Connects `count` times, runs `body` on each connection, closes it; with a rate, the
    /// connection number i starts i / rate seconds after the first (on the monotonic clock, so
    /// that a slow connection is caught up with, not added to the pace).
    private func repeatConnections(_ count: Int, _ body: (Int32) throws -> Void) throws {
        let start = systemMonotonicSeconds()
        for index in 0..<count {
            if let rate = spec.rate { try context.pause(until: start + Double(index) / rate) }
            let fd = try LabSystem.connect(port: spec.port)
            defer { LabSystem.close(fd) }
            try body(fd)
        }
    }

    /// `accept-stall`: opens `count` connections and keeps them all, connected or not.
    ///
    /// Each handshake is given a moment; the first that does not complete means the server's
    /// accept queue is full (the kernel dropped the SYN), and the rest are started without
    /// waiting: their SYNs meet the same full queue. The fixed server accepts as they come, so
    /// there every handshake completes (a SYN dropped in a race is retried within a second).
    private mutating func connectAndWait() throws -> [(String, String)] {
        var connected = 0
        var patience: Int32 = spec.fixed ? 5000 : 300
        for _ in 0..<spec.count {
            let fd = try LabSystem.startConnect(port: spec.port)
            kept.append(fd)
            if patience > 0, try context.wait(for: fd, events: Int16(POLLOUT), timeout: patience) {
                try LabSystem.checkConnected(fd, port: spec.port)
                connected += 1
            } else if !spec.fixed {
                patience = 0
            }
        }
        return [("connected", "\(connected)")]
    }

    /// `unanswered-syn`: starts `count` connections to an address that never answers. Broken:
    /// keeps waiting on every one. Fixed: gives each a timeout, then closes it.
    private mutating func dialTheUnanswered() throws {
        for _ in 0..<spec.count {
            let fd = try LabSystem.startConnect(address: LabWire.unansweredAddress, port: spec.port)
            guard spec.fixed else {
                kept.append(fd)
                continue
            }
            defer { LabSystem.close(fd) }
            if try context.wait(for: fd, events: Int16(POLLOUT), timeout: LabWire.connectTimeoutMilliseconds) {
                throw LabError(.roleFailed, "10.77.0.2 answered; the lab namespace should drop everything sent to it")
            }
        }
    }

    /// One request and its response on `fd`; false if the server closed first.
    private func exchange(_ fd: Int32) throws -> Bool {
        try LabSystem.send(fd, LabWire.request)
        return try context.receive(fd, exactly: LabWire.response.count) == LabWire.response.count
    }

    /// `fork-shared`: a request per connection; then the first half close, the rest stay open.
    private mutating func openSessions() throws {
        var sessions: [Int32] = []
        for _ in 0..<spec.count {
            let fd = try LabSystem.connect(port: spec.port)
            sessions.append(fd)
            guard try exchange(fd) else { throw LabError(.roleFailed, "the fork server closed a session early") }
        }
        for fd in sessions.prefix(spec.count / 2) { LabSystem.close(fd) }
        kept = Array(sessions.dropFirst(spec.count / 2))
    }

    /// `http-client-leak`: reads each response. Broken: never closes, so the server's FIN leaves
    /// the socket in CLOSE_WAIT. Fixed: closes after the response.
    private mutating func fetchEach() throws {
        for _ in 0..<spec.count {
            let fd = try LabSystem.connect(port: spec.port)
            _ = try exchange(fd)
            if spec.fixed { LabSystem.close(fd) } else { kept.append(fd) }
        }
        context.report("fetched")
        // Settled once every server FIN has arrived: the CLOSE_WAIT pile is complete.
        for fd in kept { try context.waitForPeerClose(fd) }
    }

    /// `server-closes-first`. Broken: reads to the server's EOF, then closes. Fixed: closes first.
    private func fetchShortLived() throws {
        try repeatConnections(spec.count) { fd in
            _ = try exchange(fd)
            if !spec.fixed { try context.readToEOF(fd) }
        }
    }

    /// `port-exhaustion`, broken: one connection per request, closed first by the client (each
    /// leaves a TIME_WAIT on one port of the range), until connect() fails.
    private func fetchUntilPortsRunOut() throws -> [(String, String)] {
        var made = 0
        // The range holds `count` ports: twice as many attempts always reach its end.
        for _ in 0..<(spec.count * 2 + 16) {
            guard let fd = try connectUnlessPortsRanOut() else {
                return [("connections", "\(made)"), ("eaddrnotavail", "1")]
            }
            defer { LabSystem.close(fd) }
            _ = try exchange(fd)
            made += 1
        }
        return [("connections", "\(made)"), ("eaddrnotavail", "0")]
    }

    /// A connection to the server, or nil when connect() fails with EADDRNOTAVAIL.
    private func connectUnlessPortsRanOut() throws(LabError) -> Int32? {
        do {
            return try LabSystem.connect(port: spec.port)
        } catch  where error.errno == EADDRNOTAVAIL {
            LabSystem.writeLine(2, "\(spec.scenario.command(of: .client)): connect: \(error.description)")
            return nil
        }
    }

    /// `port-exhaustion`, fixed: the same number of requests over one kept-alive connection.
    private mutating func fetchOverOneConnection() throws -> [(String, String)] {
        let fd = try LabSystem.connect(port: spec.port)
        kept.append(fd)
        let requests = spec.count + 1
        for _ in 0..<requests {
            guard try exchange(fd) else { throw LabError(.roleFailed, "the server closed the kept-alive connection") }
        }
        return [("connections", "1"), ("requests", "\(requests)"), ("eaddrnotavail", "0")]
    }
}
