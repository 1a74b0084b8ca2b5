import Glibc
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

/// Dumps of real loopback sockets in the test's own network namespace.
@Suite(.serialized)
struct SockDiagClientLiveTests {
    static let full = SockDiagQuery(includeInfo: true, includeShutdown: true)

    @Test(arguments: [IPAddress.Family.ipv4, .ipv6])
    func findsEveryScenarioSocketWithItsFields(family: IPAddress.Family) throws {
        let scenario = try StateScenario(family)
        let client = try SockDiagClient()
        var query = Self.full
        query.families = [family]
        let records = try scenario.settledRecords(client, query)
        let loopback = TestSocket.loopback(family)
        let listenPort = try scenario.listener.port()

        #expect(
            records.map(\.state).sorted() == [
                .established, .established, .established, .synReceived, .finWait2, .timeWait, .closeWait,
                .listen, .listen,
            ]
        )
        #expect(records.allSatisfy { $0.local.address == loopback && $0.netns == client.namespaceInode })
        #expect(client.namespaceInode == (try NetworkNamespaceInode.of(path: "/proc/self/ns/net")))
        #expect(Set(records.map(\.cookie)).count == records.count)
        #expect(records.allSatisfy { $0.cookie != 0 })

        let listener = try #require(records.first { $0.state == .listen && $0.local.port == listenPort })
        #expect(listener.inode == (try scenario.listener.inode()))
        #expect(listener.remote.port == 0 && listener.remote.address.isUnspecified)
        #expect(listener.recvQ == 0 && listener.sendQ == 16)  // accept queue, backlog
        #expect(listener.uid == getuid())
        #expect(listener.tcpInfo != nil && listener.shutdown == [])

        let establishedPort = try scenario.established.client.port()
        let server = try #require(records.first { $0.state == .established && $0.remote.port == establishedPort })
        #expect(server.inode == (try scenario.established.server.inode()))
        #expect(server.local == Endpoint(address: loopback, port: listenPort))
        #expect(server.recvQ == UInt32(StateScenario.establishedPayload.count))
        #expect(server.tcpInfo?.bytesReceived == UInt64(StateScenario.establishedPayload.count))
        let sender = try #require(records.first { $0.state == .established && $0.local.port == establishedPort })
        #expect(sender.inode == (try scenario.established.client.inode()))
        #expect(sender.sendQ == 0)

        let halfClosedPort = try scenario.halfClosed.client.port()
        let closeWait = try #require(records.first { $0.state == .closeWait })
        #expect(closeWait.remote == Endpoint(address: loopback, port: halfClosedPort))
        #expect(closeWait.inode == (try scenario.halfClosed.server.inode()))
        #expect(closeWait.recvQ == 1)  // the FIN, unread
        #expect(closeWait.shutdown == .receive)
        let finWait2 = try #require(records.first { $0.state == .finWait2 })
        #expect(finWait2.local.port == halfClosedPort)
        #expect(finWait2.inode == (try scenario.halfClosed.client.inode()))
        #expect(finWait2.shutdown == .send)

        let timeWait = try #require(records.first { $0.state == .timeWait })
        #expect(timeWait.local.port == scenario.timeWaitPort)
        #expect(timeWait.inode == 0 && timeWait.uid == 0)
        #expect(timeWait.timer?.kind == .timeWait)
        #expect((0...60_000).contains(timeWait.timer?.expiresMilliseconds ?? -1))
        #expect(timeWait.tcpInfo == nil && timeWait.shutdown == nil)

        let request = try #require(records.first { $0.state == .synReceived })
        #expect(request.remote.port == (try scenario.deferClient.port()))
        #expect(request.local.port == (try scenario.deferListener.port()))
        #expect(request.inode == 0)
        #expect(request.timer?.kind == .retransmit)
    }

    @Test func closeWaitRecvQDropsToZeroOnceEOFIsRead() throws {
        let scenario = try StateScenario(.ipv4)
        let client = try SockDiagClient()
        let query = SockDiagQuery(families: [.ipv4])
        _ = try scenario.settledRecords(client, query)
        #expect(try scenario.halfClosed.server.receive().isEmpty)  // reads the EOF
        let halfClosedPort = try scenario.halfClosed.client.port()
        var closeWait: [SocketRecord] = []
        try client.dump(SockDiagQuery(families: [.ipv4], states: TCPStateSet(.closeWait))) { record in
            if record.remote.port == halfClosedPort { closeWait.append(record) }
        }
        #expect(closeWait.map(\.recvQ) == [0])
    }

    @Test(arguments: [TCPState.closeWait, .synReceived, .timeWait, .listen])
    func stateFilterIsAppliedByTheKernel(state: TCPState) throws {
        let scenario = try StateScenario(.ipv6)
        let client = try SockDiagClient()
        _ = try scenario.settledRecords(client, SockDiagQuery(families: [.ipv6]))
        var states: Set<TCPState> = []
        var mine: [SocketRecord] = []
        let summary = try client.dump(SockDiagQuery(states: TCPStateSet(state))) { record in
            states.insert(record.state)
            if scenario.owns(record) { mine.append(record) }
        }
        #expect(states == [state])
        #expect(mine.map(\.state) == (state == .listen ? [.listen, .listen] : [state]))
        #expect(summary.records >= mine.count && summary.datagrams >= 2)
    }

    @Test func extensionsOnlyWhenAsked() throws {
        let scenario = try StateScenario(.ipv4)
        let client = try SockDiagClient()
        _ = try scenario.settledRecords(client, SockDiagQuery(families: [.ipv4]))
        let (records, summary) = try client.records(SockDiagQuery(families: [.ipv4]))
        #expect(records.count == summary.records)
        #expect(records.allSatisfy { $0.tcpInfo == nil && $0.shutdown == nil })
        let mine = records.filter { scenario.owns($0) }
        #expect(mine.count == 9)
        let explicit = try client.records(SockDiagQuery(families: [.ipv4]), netns: 77).records
        #expect(explicit.allSatisfy { $0.netns == 77 })
    }

    @Test func bothFamiliesInOneDumpMatchTheDumpsPerFamily() throws {
        let v4 = try StateScenario(.ipv4)
        let v6 = try StateScenario(.ipv6)
        let client = try SockDiagClient()
        _ = try v4.settledRecords(client, SockDiagQuery(families: [.ipv4]))
        _ = try v6.settledRecords(client, SockDiagQuery(families: [.ipv6]))
        func mine(_ records: [SocketRecord]) -> [String] {
            records.filter { v4.owns($0) || v6.owns($0) }
                .map { "\($0.state) \($0.local) \($0.remote) \($0.inode) \($0.cookie) \($0.tcpInfo != nil)" }.sorted()
        }
        var both: [SocketRecord] = []
        let summary = try #require(try client.dumpBothFamilies(Self.full) { both.append($0) })
        var perFamily: [SocketRecord] = []
        for family in [IPAddress.Family.ipv4, .ipv6] {
            var query = Self.full
            query.families = [family]
            try client.dump(query) { perFamily.append($0) }
        }
        #expect(summary.records == both.count)
        #expect(mine(both).count == 18)
        #expect(mine(both) == mine(perFamily))
        #expect(Set(both.filter { v4.owns($0) || v6.owns($0) }.map(\.local.address.family)) == [.ipv4, .ipv6])
        // The state filter and the extensions apply as in a dump per family.
        var closeWait: [SocketRecord] = []
        _ = try client.dumpBothFamilies(SockDiagQuery(states: TCPStateSet(.closeWait))) { closeWait.append($0) }
        #expect(Set(closeWait.map(\.state)) == [.closeWait])
        #expect(closeWait.filter { v4.owns($0) || v6.owns($0) }.count == 2)
        #expect(closeWait.allSatisfy { $0.tcpInfo == nil })
    }

    @Test func missingNamespaceFileIsNamespaceUnavailable() {
        #expect {
            try SockDiagClient(namespacePath: "/nonexistent/ns/net")
        } throws: { error in
            (error as? LinuxError)?.code == .namespaceUnavailable
                && (error as? LinuxError)?.message.contains("/nonexistent/ns/net") == true
        }
    }
}
