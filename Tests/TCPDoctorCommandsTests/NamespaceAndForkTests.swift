import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// Python holders: the quickest way to script a process that listens, connects and forks.
enum Holders {
    /// Listens and connects to itself on 127.0.0.1, prints the listener's port, then sleeps.
    static let listenAndConnect = """
        import socket, time
        l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
        c = socket.socket(); c.connect(l.getsockname()); s, _ = l.accept()
        print(l.getsockname()[1], flush=True)
        time.sleep(600)
        """

    /// Like `listenAndConnect`, then forks: the child keeps every fd and dies with its parent.
    static let forkSharing = """
        import ctypes, os, socket, time
        l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
        c = socket.socket(); c.connect(l.getsockname()); s, _ = l.accept()
        pid = os.fork()
        if pid == 0:
            ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
            time.sleep(600)
            os._exit(0)
        print(l.getsockname()[1], pid, s.fileno(), flush=True)
        time.sleep(600)
        """
}

@Suite(.serialized)
struct NamespaceAndForkTests {
    static func sockets(_ run: TCPDoctorRun) throws -> [[String: Any]] {
        try run.json()["sockets"] as? [[String: Any]] ?? []
    }

    @Test(.enabled(if: TestNamespace.isAvailable, "needs root and iproute2 to make a network namespace"))
    func socketsInAnotherNamespaceAreFoundAndTagged() throws {
        let namespace = try TestNamespace()
        let holder = try namespace.spawnPython(Holders.listenAndConnect)
        let port = try holder.readLine()

        let everywhere = try runTCPDoctor(["sockets", "--json", "src", "127.0.0.1:\(port)"])
        #expect(everywhere.status == 0, "stderr: \(everywhere.stderr)")
        let document = try everywhere.json()
        let namespaces = try #require(document["namespaces"] as? [[String: Any]])
        let ours = try #require(namespaces.first { ($0["names"] as? [String])?.contains(namespace.name) == true })
        #expect(ours["label"] as? String == namespace.name)
        let inode = try #require(ours["inode"] as? UInt64)
        let found = try Self.sockets(everywhere).filter { $0["netns"] as? UInt64 == inode }
        #expect(Set(found.compactMap { $0["state"] as? String }) == ["LISTEN", "ESTABLISHED"])
        #expect(found.allSatisfy { ($0["owners"] as? [[String: Any]])?.first?["pid"] as? Int32 == holder.pid })

        let onlyThere = try runTCPDoctor(["sockets", "--json", "--netns", namespace.name])
        #expect(onlyThere.status == 0)
        let there = try Self.sockets(onlyThere)
        #expect(there.count == 3, "listener, client and accepted socket")
        #expect(there.allSatisfy { $0["netns"] as? UInt64 == inode })

        let byPid = try runTCPDoctor(["sockets", "--json", "--netns", "\(holder.pid)"])
        #expect(try Self.sockets(byPid).count == 3)

        let host = try runTCPDoctor(["sockets", "--json", "--netns", "current", "src", "127.0.0.1:\(port)"])
        #expect(try Self.sockets(host).allSatisfy { $0["netns"] as? UInt64 != inode })

        // Which namespace was read how: each entry of `namespaces` says.
        #expect(ours["source"] as? String == "netlink")
        #expect(namespaces.allSatisfy { $0["source"] as? String == "netlink" })
        let fromProc = try runTCPDoctor(["sockets", "--json", "--procfs", "--netns", namespace.name])
        #expect(fromProc.status == 0, "stderr: \(fromProc.stderr)")
        let procDocument = try fromProc.json()
        #expect(procDocument["source"] as? String == "procfs")
        let read = try #require((procDocument["namespaces"] as? [[String: Any]])?.first)
        #expect(read["source"] as? String == "procfs")
        #expect(try Self.sockets(fromProc).count == 3)
        #expect(
            fromProc.stderr.contains("the sockets of network namespace \(namespace.name) were read from /proc/net/tcp")
        )
    }

    @Test func forkedChildIsASecondOwner() throws {
        let holder = try ChildProcess.python(Holders.forkSharing)
        let fields = try holder.readLine().split(separator: " ")
        let port = try #require(fields.first.map(String.init))
        let child = try #require(Int32(fields[1]))
        let acceptedFD = try #require(Int32(fields[2]))

        let run = try runTCPDoctor(["sockets", "--json", "state", "established", "src", "127.0.0.1:\(port)"])
        #expect(run.status == 0)
        let accepted = try #require(try Self.sockets(run).first)
        let owners = try #require(accepted["owners"] as? [[String: Any]])
        #expect(owners.compactMap { $0["pid"] as? Int32 }.sorted() == [holder.pid, child].sorted())
        #expect(owners.allSatisfy { $0["fd"] as? Int32 == acceptedFD })
        #expect(owners.allSatisfy { $0["command"] as? String == "python3" })

        let grouped = try runTCPDoctor(["states", "--json", "--by", "process", "src", "127.0.0.1:\(port)"])
        let groups = try #require(try grouped.json()["groups"] as? [[String: Any]])
        #expect(Set(groups.compactMap { $0["pid"] as? Int32 }) == [holder.pid, child])
    }

    @Test func procfsFallbackGivesTheSameRecordsAsNetlink() throws {
        let connection = try LoopbackConnection.open()
        let closeWait = try LoopbackConnection.open()
        // Port pairs of this test's sockets: a listener port may be one other tests left TIME_WAIT on.
        let ours: Set<String> = [connection, closeWait].reduce(into: []) { pairs, pair in
            pairs.formUnion([
                "\(pair.listener.port) 0", "\(pair.listener.port) \(pair.client.port)",
                "\(pair.client.port) \(pair.listener.port)",
            ])
        }
        try closeWait.clientClosesFirstAndAwaitCloseWait()
        let filter = [
            "(", "src", "127.0.0.1:\(connection.listener.port)", "or", "src", "127.0.0.1:\(closeWait.listener.port)",
            "or", "dst", "127.0.0.1:\(connection.listener.port)", "or", "dst", "127.0.0.1:\(closeWait.listener.port)",
            ")",
        ]
        let netlink = try runTCPDoctor(["sockets", "--json"] + filter)
        let procfs = try runTCPDoctor(["sockets", "--json", "--procfs"] + filter)
        #expect(netlink.status == 0 && procfs.status == 0)
        #expect(try procfs.json()["source"] as? String == "procfs")
        #expect(procfs.stderr.contains("/proc/net/tcp"), "the slower source is announced")

        func comparable(_ run: TCPDoctorRun) throws -> Set<String> {
            Set(
                try Self.sockets(run).compactMap { socket in
                    let local = socket["local"] as? [String: Any] ?? [:]
                    let remote = socket["remote"] as? [String: Any] ?? [:]
                    guard ours.contains("\(local["port"] ?? "") \(remote["port"] ?? "")") else { return nil }
                    let owners = (socket["owners"] as? [[String: Any]] ?? []).map {
                        "\($0["pid"] ?? 0)/\($0["fd"] ?? 0)"
                    }
                    // /proc/net/tcp does not show a listener's backlog (its tx_queue is 0), netlink does.
                    let sendQ = socket["state"] as? String == "LISTEN" ? "backlog" : socket["send_q"]
                    return [
                        socket["state"], local["address"], local["port"], remote["address"], remote["port"],
                        socket["recv_q"], sendQ, socket["inode"], socket["uid"], socket["netns"],
                    ].map { "\($0 ?? "nil")" }.joined(separator: " ") + " " + owners.joined(separator: ",")
                }
            )
        }
        let fromNetlink = try comparable(netlink)
        #expect(fromNetlink.count == 6, "2 listeners, 2 established, CLOSE_WAIT and FIN_WAIT2")
        let fromProcfs = try comparable(procfs)
        #expect(
            fromProcfs == fromNetlink,
            "only netlink: \(fromNetlink.subtracting(fromProcfs)), only procfs: \(fromProcfs.subtracting(fromNetlink))"
        )
        withExtendedLifetime((connection, closeWait)) {}
    }
}
