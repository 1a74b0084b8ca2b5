import Testing

@testable import TCPDoctorCore

struct StateHistogramTests {
    static func socket(
        _ state: TCPState,
        local: UInt16,
        remote: String,
        inode: UInt64,
        netns: UInt64 = 1
    ) -> SocketRecord {
        SocketRecord(
            state: state,
            local: Endpoint(address: IPAddress("10.0.0.5")!, port: local),
            remote: Endpoint(address: IPAddress(remote)!, port: 40000),
            inode: inode,
            netns: netns
        )
    }

    static let snapshot: Snapshot = {
        let sockets = [
            socket(.closeWait, local: 8000, remote: "10.0.0.9", inode: 11),
            socket(.closeWait, local: 8000, remote: "10.0.0.9", inode: 12),
            socket(.established, local: 8000, remote: "10.0.0.7", inode: 13),
            socket(.timeWait, local: 8000, remote: "10.0.0.7", inode: 0),
            socket(.newSynReceived, local: 8000, remote: "10.0.0.8", inode: 0),
            socket(.established, local: 5432, remote: "10.0.0.9", inode: 14, netns: 2),
        ]
        return Snapshot(
            takenAt: 0,
            sockets: sockets,
            namespaces: [NetworkNamespace(inode: 1, isHost: true), NetworkNamespace(inode: 2, names: ["db"])],
            owners: SocketOwnerTable([
                11: [SocketOwner(pid: 100, fd: 5)],
                12: [SocketOwner(pid: 100, fd: 6), SocketOwner(pid: 101, fd: 6)],
                13: [SocketOwner(pid: 101, fd: 7)],
                14: [SocketOwner(pid: 200, fd: 3)],
            ]),
            processes: [
                100: TCPProcess(pid: 100, command: "app"), 101: TCPProcess(pid: 101, command: "app"),
                200: TCPProcess(pid: 200, command: "postgres"),
            ],
            coverage: Coverage(ownersScanned: true)
        )
    }()

    @Test func closeWaitIsNeverCountedAsEstablished() {
        let histogram = StateHistogram(sockets: Self.snapshot.sockets, in: Self.snapshot)
        #expect(histogram.total == 6)
        #expect(histogram.counts[.closeWait] == 2)
        #expect(histogram.counts[.established] == 2)
        #expect(histogram.counts[.synReceived] == 1, "request sockets show as SYN_RECV")
        #expect(histogram.counts[.newSynReceived] == nil)
        #expect(histogram.groups.isEmpty)
    }

    @Test func groupsByProcessCountingSharedSocketsOncePerHolder() throws {
        let histogram = StateHistogram(sockets: Self.snapshot.sockets, in: Self.snapshot, groupedBy: .process)
        let byLabel = Dictionary(uniqueKeysWithValues: histogram.groups.map { ($0.label, $0) })
        let app100 = try #require(byLabel["app (pid 100)"])
        #expect(app100.counts[.closeWait] == 2)
        #expect(app100.pid == 100)
        let app101 = try #require(byLabel["app (pid 101)"])
        #expect(app101.counts == [.closeWait: 1, .established: 1])
        #expect(byLabel["(no process: kernel-owned)"]?.total == 2)
        #expect(byLabel["(owner not visible)"] == nil)
        #expect(byLabel["postgres (pid 200)"]?.total == 1)
    }

    @Test func groupsByLocalPortRemoteAndNetns() {
        let ports = StateHistogram(sockets: Self.snapshot.sockets, in: Self.snapshot, groupedBy: .localPort)
        #expect(ports.groups.map(\.label) == [":8000", ":5432"])
        #expect(ports.groups.first?.total == 5)

        let remotes = StateHistogram(sockets: Self.snapshot.sockets, in: Self.snapshot, groupedBy: .remote)
        #expect(remotes.groups.map(\.label) == ["10.0.0.9", "10.0.0.7", "10.0.0.8"])

        let namespaces = StateHistogram(sockets: Self.snapshot.sockets, in: Self.snapshot, groupedBy: .netns)
        #expect(namespaces.groups.map(\.label) == ["host", "db"])
        #expect(namespaces.groups.map(\.total) == [5, 1])
    }
}
