import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// A snapshot without owners dumps ESTABLISHED and the other states on two netlink sockets at once.
struct ParallelDumpTests {
    @Test func halvesSplitTheStatesAlongEstablished() throws {
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 else { return }
        let (established, others) = try #require(SnapshotReader.parallelHalves(SockDiagQuery()))
        #expect(established.states == TCPStateSet(.established))
        #expect(others.states == TCPStateSet.all.subtracting(TCPStateSet(.established)))
        #expect(others.families == [.ipv4, .ipv6] && others.includeInfo == false)

        let narrow = try #require(
            SnapshotReader.parallelHalves(SockDiagQuery(states: TCPStateSet([.established, .closeWait])))
        )
        #expect(narrow.1.states == TCPStateSet(.closeWait))
        #expect(SnapshotReader.parallelHalves(SockDiagQuery(states: TCPStateSet(.closeWait))) == nil)
        #expect(SnapshotReader.parallelHalves(SockDiagQuery(states: TCPStateSet(.established))) == nil)
    }

    @Test func aSplitDumpHoldsEverySocketOnceLikeASingleDump() throws {
        let open = try LoopbackConnection.open()
        let closing = try LoopbackConnection.open()
        // This test's sockets by port pair: other tests may leave TIME_WAIT on a reused port.
        var pairs: Set<[UInt16]> = []
        for connection in [open, closing] {
            pairs.formUnion([
                [connection.listener.port, 0], [connection.listener.port, connection.client.port],
                [connection.client.port, connection.listener.port],
            ])
        }
        try closing.clientClosesFirstAndAwaitCloseWait()
        func ours(_ snapshot: Snapshot) -> [String] {
            snapshot.sockets.filter { pairs.contains([$0.local.port, $0.remote.port]) }
                .map { "\($0.state) \($0.local) \($0.remote) \($0.inode)" }.sorted()
        }
        // The client's socket has no fd left to ask: wait in the kernel's table for the server's
        // ACK to take it from FIN_WAIT1 to FIN_WAIT2 (on a loaded machine that is not at once).
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let probe = try SnapshotReader.read(SnapshotRequest(namespaces: .current, includeOwners: false))
            if probe.sockets.contains(where: { $0.state == .finWait2 && $0.local.port == closing.client.port }) {
                break
            }
            usleep(2_000)
        }
        let split = try SnapshotReader.read(SnapshotRequest(namespaces: .current, includeOwners: false))
        let single = try SnapshotReader.read(
            SnapshotRequest(namespaces: .current, includeOwners: true, findDeadSocketFDs: false)
        )
        let listed = ours(split)
        #expect(listed.count == 6, "2 listeners, 2 established, CLOSE_WAIT and FIN_WAIT2: \(listed)")
        #expect(Set(listed).count == listed.count, "no socket twice")
        #expect(listed == ours(single))
        let states = split.sockets.filter { pairs.contains([$0.local.port, $0.remote.port]) }.map(\.state)
        #expect(states.filter { $0 == .established }.count == 2)
        #expect(Set(states) == [.listen, .established, .closeWait, .finWait2])
        withExtendedLifetime((open, closing)) {}
    }
}
