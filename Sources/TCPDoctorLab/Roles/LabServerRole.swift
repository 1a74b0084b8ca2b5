import Glibc
import TCPDoctorSystem

/// The listening side of every scenario, broken or fixed.
///
/// Each scenario's server is a few lines of ordinary socket code with exactly one mistake (or,
/// fixed, without it); everything runs on one thread, in the order a reader expects, and every
/// wait goes through the lifeline (`RoleContext`).
struct LabServerRole {
    let spec: LabRoleSpec
    let context: RoleContext
    /// Accepted sockets the server keeps: the leak itself in the broken variants.
    private var kept: [Int32] = []
    /// Live handler children (`fork-shared`), killed and reaped when the server stops.
    private var handlers: [pid_t] = []
    private var handlerReports: (read: Int32, write: Int32) = (-1, -1)

    init(spec: LabRoleSpec, context: RoleContext) {
        self.spec = spec
        self.context = context
    }

    mutating func run() throws {
        defer { cleanUp() }
        let kind = spec.scenario.kind
        if kind == .portExhaustion { try narrowPortRange() }
        if kind == .emfile { try LabSystem.setOpenFileLimit(spec.count) }
        let backlog = kind == .acceptStall ? LabWire.stallBacklog : 4096
        let listener = try LabSystem.listen(port: spec.port, backlog: backlog)
        context.report("ready", [("port", "\(try LabSystem.localPort(listener))")])

        var fields: [(String, String)] = []
        switch kind {
        case .closeWaitNoRead: try serveNoRead(listener)
        case .closeWaitEOF: try serveEOF(listener)
        case .closeWaitData: try serveData(listener)
        case .forkShared: fields = try serveForking(listener)
        case .httpClientLeak: try serveThenCloseIdle(listener)
        case .serverClosesFirst: try spec.fixed ? serveUntilClientCloses(listener) : serveAndClose(listener)
        case .portExhaustion:
            context.report("settled")
            try serveForever(listener)
            return
        case .emfile: fields = try serveLeakingUntilEMFILE(listener)
        case .resetHeld: fields = try serveResets(listener)
        case .acceptStall: try acceptAllOrNone(listener)
        // The service moved here; the client still dials the old address.
        case .unansweredSYN: break
        }
        context.report("settled", fields)
        context.hold()
    }

    /// Narrows `ip_local_port_range` to `count` ports and turns off `tcp_tw_reuse`, inside the
    /// lab's own namespace only. Linux enables tcp_tw_reuse for loopback by default (value 2),
    /// which would let connect() take ports still in TIME_WAIT and hide the exhaustion that two
    /// real hosts would meet.
    private func narrowPortRange() throws {
        let first = LabWire.namespaceRangeStart
        try LabSystem.writeSysctl("/proc/sys/net/ipv4/ip_local_port_range", "\(first) \(first + spec.count - 1)")
        try LabSystem.writeSysctl("/proc/sys/net/ipv4/tcp_tw_reuse", "0")
    }

    /// Broken: accepts and never reads. Fixed: reads to EOF and closes.
    private mutating func serveNoRead(_ listener: Int32) throws {
        for _ in 0..<spec.count {
            let fd = try context.accept(listener)
            if spec.fixed {
                try context.readToEOF(fd)
                LabSystem.close(fd)
            } else {
                kept.append(fd)
            }
        }
        // Settled once every FIN has arrived: the CLOSE_WAIT pile is complete.
        for fd in kept { try context.waitForPeerClose(fd) }
    }

    /// Broken: reads to EOF and keeps the socket. Fixed: closes on read() == 0.
    private mutating func serveEOF(_ listener: Int32) throws {
        for _ in 0..<spec.count {
            let fd = try context.accept(listener)
            try context.readToEOF(fd)
            if spec.fixed { LabSystem.close(fd) } else { kept.append(fd) }
        }
    }

    /// Broken: reads the header and stops. Fixed: drains to EOF and closes.
    private mutating func serveData(_ listener: Int32) throws {
        for _ in 0..<spec.count {
            let fd = try context.accept(listener)
            if spec.fixed {
                try context.readToEOF(fd)
                LabSystem.close(fd)
            } else {
                _ = try context.receive(fd, exactly: LabWire.headerLength)
                kept.append(fd)
            }
        }
        for fd in kept { try context.waitForPeerClose(fd) }
    }

    /// Spawns a handler per connection that inherits the accepted fd. Broken: keeps its own copy.
    /// Fixed: closes it. Settled once the handlers of the clients that closed have finished.
    private mutating func serveForking(_ listener: Int32) throws -> [(String, String)] {
        handlerReports = try LabSystem.pipe()
        let executable = try LabExecutable.current()
        for _ in 0..<spec.count {
            let fd = try context.accept(listener)
            var handler = spec
            handler.role = .handler
            handler.parent = systemOwnPID()
            handler.inheritedFD = 3
            let null = try LabSystem.openNullDevice()
            defer { LabSystem.close(null) }
            let pid = try LabSystem.spawn(
                executable,
                [executable, "lab", "_role"] + handler.arguments,
                stdin: null,
                stdout: handlerReports.write,
                inherit: [(fd, 3)],
                newGroup: false
            )
            handlers.append(pid)
            if spec.fixed { LabSystem.close(fd) } else { kept.append(fd) }
        }
        // Each handler writes one line when its client has closed and it has closed its copy.
        var finished = 0
        var buffer = [UInt8](repeating: 0, count: 256)
        while finished < spec.count / 2 {
            try context.wait(for: handlerReports.read)
            switch try LabSystem.readNow(handlerReports.read, into: &buffer, socket: false) {
            case .bytes(let count): finished += buffer[0..<count].filter { $0 == 10 }.count
            case .nothingYet: continue
            case .endOfFile: throw LabError(.roleFailed, "the handlers' report pipe closed")
            }
        }
        // The finished handlers exit right after their line; reap them so none lingers as a zombie.
        for _ in 0..<finished {
            guard let pid = LabSystem.reapAnyChild() else { break }
            handlers.removeAll { $0 == pid }
        }
        return [("handlers", handlers.map(String.init).joined(separator: ","))]
    }

    /// `accept-stall`. Broken: never accepts (the clients' connections pile up in the accept
    /// queue). Fixed: accepts every connection as it arrives and keeps it open.
    private mutating func acceptAllOrNone(_ listener: Int32) throws {
        guard spec.fixed else { return }
        for _ in 0..<spec.count { kept.append(try context.accept(listener)) }
    }

    /// Answers one request per connection and closes first (HTTP/1.0 `Connection: close`).
    private func serveAndClose(_ listener: Int32) throws {
        for _ in 0..<spec.count {
            let fd = try context.accept(listener)
            defer { LabSystem.close(fd) }
            if try context.receive(fd, exactly: LabWire.request.count) == LabWire.request.count {
                try LabSystem.send(fd, LabWire.response)
            }
        }
    }

    /// `http-client-leak`: answers one request per connection and keeps the connection; once the
    /// orchestrator says every response has been read, closes them all, as a server closes idle
    /// keep-alive connections.
    ///
    /// Closing later rather than right after the response keeps the FIN in a segment of its own:
    /// a FIN that rides on the response (TCP autocorking can merge them on loopback) is consumed
    /// by the client's read of the response, and the client's CLOSE_WAIT would then show Recv-Q 0
    /// instead of 1 by chance.
    private mutating func serveThenCloseIdle(_ listener: Int32) throws {
        for _ in 0..<spec.count {
            let fd = try context.accept(listener)
            kept.append(fd)
            if try context.receive(fd, exactly: LabWire.request.count) == LabWire.request.count {
                try LabSystem.send(fd, LabWire.response)
            }
        }
        context.report("served")
        try context.waitForGo()
        for fd in kept { LabSystem.close(fd) }
        kept = []
    }

    /// Answers requests until the client closes, then closes: the client closed first.
    private func serveUntilClientCloses(_ listener: Int32) throws {
        for _ in 0..<spec.count { try serveKeepAlive(try context.accept(listener)) }
    }

    /// Serves connections one after another until the lab stops (`port-exhaustion`).
    private func serveForever(_ listener: Int32) throws {
        do {
            while true { try serveKeepAlive(try context.accept(listener)) }
        } catch is RoleStopped {
            return
        }
    }

    private func serveKeepAlive(_ fd: Int32) throws {
        defer { LabSystem.close(fd) }
        while try context.receive(fd, exactly: LabWire.request.count) == LabWire.request.count {
            try LabSystem.send(fd, LabWire.response)
        }
    }

    /// Broken: accepts and never closes until accept() fails with EMFILE, then holds. Fixed:
    /// closes each connection at EOF and serves them all.
    private mutating func serveLeakingUntilEMFILE(_ listener: Int32) throws -> [(String, String)] {
        let total = spec.count + LabRun.emfileExtraConnections
        if spec.fixed {
            for _ in 0..<total {
                let fd = try context.accept(listener)
                try context.readToEOF(fd)
                LabSystem.close(fd)
            }
            return [("accepted", "\(total)"), ("emfile", "0")]
        }
        while true {
            do {
                kept.append(try context.accept(listener))
            } catch let error as LabError where error.errno == EMFILE {
                LabSystem.writeLine(2, "\(spec.scenario.command(of: .server)): accept: \(error.description)")
                return [("accepted", "\(kept.count)"), ("emfile", "1"), ("limit", "\(spec.count)")]
            }
        }
    }

    /// Broken: keeps the fd after ECONNRESET. Fixed: closes it.
    private mutating func serveResets(_ listener: Int32) throws -> [(String, String)] {
        var resets = 0
        for _ in 0..<spec.count {
            let fd = try context.accept(listener)
            try context.wait(for: fd)
            if Self.resetSeen(on: fd) { resets += 1 }
            if spec.fixed { LabSystem.close(fd) } else { kept.append(fd) }
        }
        return [("resets", "\(resets)")]
    }

    /// Whether reading `fd` fails with ECONNRESET, the error a reset connection reports once.
    private static func resetSeen(on fd: Int32) -> Bool {
        var byte: [UInt8] = [0]
        let result = Result { () throws(LabError) in try LabSystem.readNow(fd, into: &byte, socket: true) }
        if case .failure(let error) = result { return error.errno == ECONNRESET }
        return false
    }

    /// Kills and reaps the handlers (they are our children: nobody else can reap them), then
    /// closes what the server kept.
    private mutating func cleanUp() {
        for pid in handlers { LabSystem.signal(pid, SIGKILL) }
        for pid in handlers { LabSystem.reap(pid) }
        handlers = []
        for fd in kept { LabSystem.close(fd) }
        kept = []
        LabSystem.close(handlerReports.read)
        LabSystem.close(handlerReports.write)
    }
}
