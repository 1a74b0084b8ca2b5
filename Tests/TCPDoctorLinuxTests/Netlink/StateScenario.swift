import Glibc
import TCPDoctorCore

@testable import TCPDoctorLinux

/// Real loopback sockets in the states the dump tests look at, for one address family.
///
/// - `listener` LISTEN; `established`: the client sent 3 bytes the server has not read.
/// - `halfClosed`: the client called `shutdown(SHUT_WR)`, so its side is FIN_WAIT2 (still owned,
///   inode non-zero) and the server's is CLOSE_WAIT with the FIN unread.
/// - `timeWaitPort`: the client port of a pair whose client closed first, then the server after
///   reading EOF: the client side is TIME_WAIT (inode 0), the server side is gone.
/// - `deferListener` with TCP_DEFER_ACCEPT and `deferClient` connected to it: the server side is a
///   request socket (SYN_RECV) because the kernel holds the bare final ACK back waiting for data.
final class StateScenario {
    let family: IPAddress.Family
    let listener: TestSocket
    let established: (client: TestSocket, server: TestSocket)
    let halfClosed: (client: TestSocket, server: TestSocket)
    let timeWaitPort: UInt16
    let deferListener: TestSocket
    let deferClient: TestSocket
    /// (local port, remote port) of every socket the scenario leaves behind. Matching whole pairs
    /// rather than single ports keeps an earlier run's TIME_WAIT, which may share one port with
    /// this run, out: a 4-tuple cannot be reused while its connection is still there.
    let portPairs: Set<[UInt16]>
    /// The server side of the closed pair, which must be gone once the scenario has settled.
    private let closedServerPair: [UInt16]
    static let establishedPayload: [UInt8] = [0x74, 0x63, 0x70]

    init(_ family: IPAddress.Family) throws {
        self.family = family
        listener = try TestSocket.listener(family)
        let port = try listener.port()

        let establishedClient = try TestSocket.client(family, to: port)
        established = (establishedClient, try listener.accept())
        try establishedClient.send(Self.establishedPayload)

        let halfClosedClient = try TestSocket.client(family, to: port)
        halfClosed = (halfClosedClient, try listener.accept())
        try halfClosedClient.shutdownWrite()

        let closingClient = try TestSocket.client(family, to: port)
        let closingServer = try listener.accept()
        timeWaitPort = try closingClient.port()
        closingClient.close()
        // Blocks until the client's FIN has arrived, so the server's close sends its own FIN
        // second and the client, the first closer, is the side that enters TIME_WAIT.
        while try !closingServer.receive().isEmpty {}
        closingServer.close()

        deferListener = try TestSocket.tcp(family)
        try deferListener.setOption(level: Int32(IPPROTO_TCP), name: TCP_DEFER_ACCEPT, value: 30)
        try deferListener.bind(port: 0)
        guard Glibc.listen(deferListener.descriptor, 4) == 0 else { throw TestSetupError("listen") }
        deferClient = try TestSocket.client(family, to: try deferListener.port())

        let deferPort = try deferListener.port()
        let establishedPort = try establishedClient.port()
        let halfClosedPort = try halfClosedClient.port()
        let deferClientPort = try deferClient.port()
        portPairs = [
            [port, 0], [deferPort, 0],
            [port, establishedPort], [establishedPort, port],
            [port, halfClosedPort], [halfClosedPort, port],
            [timeWaitPort, port],
            [deferPort, deferClientPort], [deferClientPort, deferPort],
        ]
        closedServerPair = [port, timeWaitPort]
    }

    /// Whether `records` show every socket of the scenario settled in its final state.
    func isSettled(_ records: [SocketRecord]) throws -> Bool {
        let closeWaitPort = try halfClosed.client.port()
        let deferClientPort = try deferClient.port()
        let settled =
            records.contains { $0.state == .closeWait && $0.remote.port == closeWaitPort }
            && records.contains { $0.state == .finWait2 && $0.local.port == closeWaitPort }
            && records.contains { $0.state == .timeWait && $0.local.port == timeWaitPort }
            && records.contains { $0.state == .synReceived && $0.remote.port == deferClientPort }
            && !records.contains { [$0.local.port, $0.remote.port] == closedServerPair }
        return settled
    }

    /// Whether `record` belongs to this scenario (or is the closed server side, not yet gone).
    func owns(_ record: SocketRecord) -> Bool {
        let pair = [record.local.port, record.remote.port]
        return record.local.address.family == family && (portPairs.contains(pair) || pair == closedServerPair)
    }

    /// Dumps with `client` until the scenario has settled (loopback delivers in softirq, which may
    /// lag the syscall a little), then returns this scenario's records. Not a timed assertion:
    /// after 10 s it returns what it has and the caller's expectations say what is missing.
    func settledRecords(_ client: SockDiagClient, _ query: SockDiagQuery) throws -> [SocketRecord] {
        let deadline = ContinuousClock.now + .seconds(10)
        var records: [SocketRecord] = []
        repeat {
            records = []
            try client.dump(query) { record in
                if self.owns(record) { records.append(record) }
            }
            if try isSettled(records) { break }
            usleep(10_000)
        } while ContinuousClock.now < deadline
        return records
    }
}
