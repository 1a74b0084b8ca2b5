import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// Incremental refreshes: the owners a refresh names without walking every process must be the
/// owners a full walk names.
@Suite(.serialized)
struct SnapshotRefresherTests {
    static let request = SnapshotRequest(namespaces: .current, includeOwners: true, findDeadSocketFDs: false)

    /// The owners of `inodes` in `snapshot`, as (pid, fd) pairs per inode.
    static func owners(_ snapshot: Snapshot, _ inodes: Set<UInt64>) -> [UInt64: Set<SocketOwner>] {
        var result: [UInt64: Set<SocketOwner>] = [:]
        for socket in snapshot.sockets where inodes.contains(socket.inode) {
            result[socket.inode] = Set(snapshot.owners(of: socket))
        }
        return result
    }

    @Test func socketsOpenedAndClosedBetweenRefreshesAreSeenWithoutAFullWalk() throws {
        let locations = try SnapshotReader.namespaces(.current)
        let refresher = SnapshotRefresher(Self.request, fullRefreshPeriod: .seconds(3600))
        let (_, first) = try refresher.refresh(in: locations)
        #expect(first.kind == .full(.first))

        let listener = try LoopbackSocket.listen()
        var pairs: [(client: LoopbackSocket, server: LoopbackSocket)] = []
        for _ in 0..<5 {
            let client = try LoopbackSocket.connect(to: listener.port)
            pairs.append((client, try listener.accept()))
        }
        defer {
            listener.close()
            for pair in pairs {
                pair.client.close()
                pair.server.close()
            }
        }
        let me = getpid()
        var expected: [UInt64: Set<SocketOwner>] = [listener.inode: [SocketOwner(pid: me, fd: listener.fd)]]
        for pair in pairs {
            expected[pair.client.inode] = [SocketOwner(pid: me, fd: pair.client.fd)]
            expected[pair.server.inode] = [SocketOwner(pid: me, fd: pair.server.fd)]
        }

        let (second, statistics) = try refresher.refresh(in: locations)
        try #require(statistics.kind == .incremental, "a kernel without fd counts in st_size walks fully")
        #expect(Self.owners(second, Set(expected.keys)) == expected)
        #expect(statistics.processesRead < second.coverage.processesScanned, "only what changed was walked")

        // Two connections go; the fds stay numbered as they were for the others.
        let gone = [pairs[0].client.inode, pairs[0].server.inode, pairs[1].client.inode, pairs[1].server.inode]
        for pair in pairs.prefix(2) {
            pair.client.close()
            pair.server.close()
        }
        for inode in gone { expected[inode] = nil }
        let (third, again) = try refresher.refresh(in: locations)
        #expect(again.kind == .incremental)
        #expect(Self.owners(third, Set(expected.keys)) == expected)
        let leftovers = Self.owners(third, Set(gone))
        #expect(leftovers.values.allSatisfy { $0.isEmpty })
    }

    /// A listener that accepts and closes as fast as it can, against clients that connect and
    /// close: its fd count barely moves while its sockets change all the time, which is what the
    /// books must notice (sockets left the dump, new ones no known owner explains).
    static let churner = """
        import ctypes, os, socket, threading
        ctypes.CDLL(None).prctl(1, 9)
        l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1024)
        print(l.getsockname()[1], flush=True)
        held = []
        def serve():
            while True:
                s, _ = l.accept()
                held.append(s)
                if len(held) > 2000: held.pop(0).close()
        threading.Thread(target=serve, daemon=True).start()
        clients = []
        while True:
            c = socket.socket(); c.connect(l.getsockname()); clients.append(c)
            if len(clients) > 2000: clients.pop(0).close()
        """

    @Test func underChurnIncrementalOwnersAgreeWithAFullWalk() throws {
        let churner = try ChildProcess.python(Self.churner)
        let port = UInt16(try churner.readLine()) ?? 0
        try #require(port != 0)
        let locations = try SnapshotReader.namespaces(.current)
        let refresher = SnapshotRefresher(Self.request, fullRefreshPeriod: .seconds(3600))
        _ = try refresher.refresh(in: locations)
        var incremental = 0
        var compared = 0
        for _ in 0..<12 {
            let (frame, statistics) = try refresher.refresh(in: locations)
            let full = try SnapshotReader.read(Self.request, in: locations)
            if statistics.kind == .incremental { incremental += 1 }
            let ours = { (socket: SocketRecord) in
                socket.inode != 0 && (socket.local.port == port || socket.remote.port == port)
            }
            let inFull = Set(full.sockets.filter(ours).map(\.inode))
            var unattributed = 0
            for socket in frame.sockets where ours(socket) && inFull.contains(socket.inode) {
                let named = Set(frame.owners(of: socket))
                let truth = Set(full.owners.owners(of: socket.inode))
                // The full walk races the churner as well: a socket it found no holder for
                // cannot judge the frame.
                guard !truth.isEmpty else { continue }
                compared += 1
                // No wrong owner: every holder the frame names holds the socket in the full walk too
                // (taken just after; a socket the churner closed since is in neither).
                #expect(named.isSubset(of: truth), "inode \(socket.inode): \(named) vs \(truth)")
                if named.isEmpty { unattributed += 1 }
            }
            // Any socket left without an owner is counted in the frame's coverage.
            #expect(unattributed <= frame.coverage.socketsUnattributed)
        }
        #expect(compared > 100, "the churner's sockets were compared")
        #expect(incremental > 0, "some refreshes were incremental")
    }
}
