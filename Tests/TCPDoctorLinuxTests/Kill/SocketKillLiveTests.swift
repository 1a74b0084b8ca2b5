import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// `SocketKill` against the kernel: real sockets destroyed in this namespace and in one of the
/// test's own, and plans gone stale before they are carried out (a socket closed meanwhile, a
/// new socket on the same tuple). Root only: SOCK_DESTROY needs CAP_NET_ADMIN.
@Suite(.serialized, .enabled(if: getuid() == 0, "SOCK_DESTROY needs CAP_NET_ADMIN"))
struct SocketKillLiveTests {
    /// The server end of a connection whose client closed first: CLOSE_WAIT.
    static func closeWait(_ family: IPAddress.Family = .ipv4) throws -> TestConnection {
        let connection = try TestConnection.open(family)
        try connection.client.shutdownWrite()
        try awaitTCPState(of: connection.server.descriptor, KernelTCPState.closeWait)
        return connection
    }

    static func filter(_ connection: TestConnection) throws -> SocketFilter {
        try SocketFilter(arguments: ["sport", "=", ":\(try connection.listener.port())", "exclude", "listening"])
    }

    /// The sockets on the listener's port, by cookie, in the current namespace: on loopback of
    /// the listener's family only (another test's socket elsewhere may use the same number).
    static func cookies(
        port: UInt16,
        in client: SockDiagClient,
        family: IPAddress.Family = .ipv4
    ) throws -> [UInt64:
        SocketRecord]
    {
        let records = try client.records(SockDiagQuery()).records
        let mine = records.filter {
            $0.local.address.family == family && $0.local.address.isLoopback
                && ($0.local.port == port || $0.remote.port == port)
        }
        return Dictionary(mine.map { ($0.cookie, $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test(arguments: [IPAddress.Family.ipv4, .ipv6])
    func aDestroyedSocketIsGoneItsPeerResetAndItsFDStillOpen(family: IPAddress.Family) throws {
        let connection = try Self.closeWait(family)
        let port = try connection.listener.port()
        let host = try SockDiagClient()
        let before = try Self.cookies(port: port, in: host, family: family)

        let report = try SocketKill.run(
            SocketKill.Request(filter: try Self.filter(connection), namespaces: .current, act: true)
        )
        let result = try #require(report.results.only)
        #expect(result.outcome == .destroyed, "\(result.outcome.detail)")
        #expect(result.socket.state == .closeWait && result.socket.local.address.family == family)
        #expect(try result.socket.inode == connection.server.inode())
        #expect(report.requestsSent == 1 && report.batches == 1)

        let after = try Self.cookies(port: port, in: host, family: family)
        #expect(after[result.socket.cookie] == nil)
        // The listener stays; the client's FIN_WAIT2 end got the RST and is gone too.
        let listener = try #require(before.values.first { $0.state == .listen })
        #expect(after[listener.cookie] != nil)
        #expect(
            Set(after.keys) == [listener.cookie],
            "left: \(after.values.map { "\($0.state) \($0.local) -> \($0.remote)" })"
        )
        // The fd stays open in its owner (this test): the socket reads as closed.
        try awaitTCPState(of: connection.server.descriptor, KernelTCPState.close)
    }

    @Test(.enabled(if: TestNamespace.isAvailable, "needs iproute2 for a namespace"))
    func aSocketInAnotherNamespaceIsDestroyedThere() throws {
        let namespace = try TestNamespace()
        let connection = try namespace.inside { try Self.closeWait() }
        let inode = try NetworkNamespaceInode.of(path: namespace.path)
        let report = try SocketKill.run(
            SocketKill.Request(filter: try Self.filter(connection), namespaces: .all, act: true)
        )
        let mine = report.results.filter { $0.socket.netns == inode }
        #expect(mine.count == 1)
        #expect(mine.first?.outcome == .destroyed, "\(mine.first?.outcome.detail ?? "")")
        #expect(mine.first?.socket.state == .closeWait)
        let inside = try SockDiagClient(namespacePath: namespace.path)
        #expect(
            try Self.cookies(port: try connection.listener.port(), in: inside).values.allSatisfy { $0.state == .listen }
        )
    }

    @Test func aSocketClosedBeforeTheRequestIsAlreadyGoneAndANewOneOnItsTupleIsLeftAlone() throws {
        try alreadyGoneAndReplaced()
    }

    /// A connection whose client is bound (SO_REUSEADDR) to a port below the ephemeral range, so
    /// that it can be bound again once reset: a port connect() chose could be shared at that
    /// moment by another test's connection toward another destination, and no bind would get it.
    static func connectionFromAFixedPort() throws -> TestConnection {
        let listener = try TestSocket.listener(.ipv4)
        for _ in 0..<50 {
            let client = try TestSocket.tcp(.ipv4)
            try client.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            guard (try? client.bind(port: UInt16.random(in: 20_000..<30_000))) != nil else { continue }
            try client.connect(to: try listener.port())
            return TestConnection(listener: listener, client: client, server: try listener.accept())
        }
        throw TestSetupError("bind (50 ports below the ephemeral range were taken)")
    }

    private func alreadyGoneAndReplaced() throws {
        let gone = try Self.closeWait()
        let reused = try Self.connectionFromAFixedPort()
        let clientPort = try reused.client.port()
        let locations = try SnapshotReader.namespaces(.current)
        let snapshot = try SnapshotReader.read(SnapshotRequest(namespaces: .current), in: locations)
        let goneFilter = try Self.filter(gone)
        let reusedFilter = try SocketFilter(arguments: [
            "sport", "=", ":\(try reused.listener.port())", "exclude", "listening",
        ])
        let plan = KillPlan(
            targets: snapshot.sockets.filter {
                goneFilter.matches($0) || reusedFilter.matches($0) && $0.remote.port == clientPort
            },
            refusal: nil,
            forced: false
        )
        #expect(plan.targets.count == 2)
        let old = try #require(plan.targets.first { $0.remote.port == clientPort })

        // Both ends reset (no TIME_WAIT), then a new connection from the same client port: the
        // server's new accepted socket has the old one's tuple and another cookie.
        gone.server.abortOnClose()
        gone.server.close()
        reused.client.abortOnClose()
        reused.server.abortOnClose()
        reused.client.close()
        reused.server.close()
        let client = try TestSocket.tcp(.ipv4)
        try client.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
        try client.bind(port: clientPort)
        try client.connect(to: try reused.listener.port())
        let server = try reused.listener.accept()

        let report = SocketKill.execute(plan, snapshot: snapshot, in: locations)
        let outcomes = Dictionary(
            report.results.map { ($0.socket.cookie, $0.outcome) },
            uniquingKeysWith: { a, _ in a }
        )
        #expect(outcomes[gone.serverCookie(in: plan)] == .alreadyGone)
        guard case .replaced(let cookie, let state) = outcomes[old.cookie] else {
            Issue.record("expected replaced, got \(String(describing: outcomes[old.cookie]))")
            return
        }
        #expect(cookie != old.cookie && state == .established)
        // The new socket was left alone.
        let now = try Self.cookies(port: try reused.listener.port(), in: try SockDiagClient())
        #expect(now[cookie]?.state == .established)
        #expect(tcpState(of: server.descriptor) == KernelTCPState.established)
        #expect(report.everyTargetGone)
    }
}

extension TestConnection {
    /// The cookie of this connection's server end among `plan`'s targets (0 when absent).
    func serverCookie(in plan: KillPlan) -> UInt64 {
        let port = (try? listener.port()) ?? 0
        return plan.targets.first { $0.local.port == port }?.cookie ?? 0
    }
}

extension TestSocket {
    /// SO_LINGER {on, 0}: close() resets the connection instead of a FIN (no TIME_WAIT).
    func abortOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = Glibc.setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// connect(2) to `port` on loopback.
    func connect(to port: UInt16) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw TestSetupError("connect") }
    }
}

extension Collection {
    /// The one element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
