import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

@Suite(.serialized)
struct SocketsCommandTests {
    static func sockets(_ document: [String: Any]) -> [[String: Any]] {
        document["sockets"] as? [[String: Any]] ?? []
    }

    @Test func listsAListenerWithItsOwner() throws {
        let listener = try LoopbackSocket.listen()
        let run = try runTCPDoctor(["sockets", "--json", "src", "127.0.0.1:\(listener.port)"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let sockets = Self.sockets(try run.json())
        let socket = try #require(sockets.first)
        #expect(sockets.count == 1)
        #expect(socket["state"] as? String == "LISTEN")
        #expect((socket["local"] as? [String: Any])?["port"] as? Int == Int(listener.port))
        #expect((socket["local"] as? [String: Any])?["address"] as? String == "127.0.0.1")
        #expect(socket["inode"] as? UInt64 == listener.inode)
        let owners = try #require(socket["owners"] as? [[String: Any]])
        #expect(owners.count == 1)
        #expect(owners.first?["pid"] as? Int32 == getpid())
        #expect(owners.first?["fd"] as? Int32 == listener.fd)
    }

    @Test func closeWaitShowsTheUnreadFIN() throws {
        let connection = try LoopbackConnection.open()
        connection.clientClosesFirst()
        let port = connection.listener.port
        // Give the FIN a moment to arrive on loopback; poll instead of sleeping blindly.
        var closeWait: [[String: Any]] = []
        for _ in 0..<50 {
            let run = try runTCPDoctor(["sockets", "--json", "state", "close-wait", "src", "127.0.0.1:\(port)"])
            #expect(run.status == 0)
            closeWait = Self.sockets(try run.json())
            if !closeWait.isEmpty { break }
            usleep(20_000)
        }
        let socket = try #require(closeWait.first)
        #expect(closeWait.count == 1)
        #expect(socket["state"] as? String == "CLOSE_WAIT")
        #expect(socket["recv_q"] as? Int == 1, "an unread FIN counts as one byte in Recv-Q")
        #expect((socket["owners"] as? [[String: Any]])?.first?["fd"] as? Int32 == connection.server.fd)

        let finWait2 = try runTCPDoctor(["sockets", "--json", "state", "fin-wait-2", "dst", "127.0.0.1:\(port)"])
        let orphan = try #require(Self.sockets(try finWait2.json()).first)
        #expect(orphan["state"] as? String == "FIN_WAIT2")
        #expect((orphan["owners"] as? [[String: Any]])?.isEmpty == true, "the closed client end has no owner")
    }

    @Test func tableHasHeaderAndOwner() throws {
        let listener = try LoopbackSocket.listen(ipv6: true)
        let run = try runTCPDoctor(["sockets", "src", "[::1]:\(listener.port)"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("State") == true)
        #expect(lines.count == 2, "stdout: \(run.stdout.prefix(600)) stderr: \(run.stderr)")
        #expect(lines.last?.contains("[::1]:\(listener.port)") == true)
        #expect(lines.last?.contains("pid=\(getpid()) fd=\(listener.fd)") == true)
    }

    @Test func malformedFilterPointsAtTheToken() throws {
        let run = try runTCPDoctor(["sockets", "dport", "=", ":http-ish"])
        #expect(run.status == 64)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("':http-ish' is not a port"))
        #expect(run.stderr.contains("dport = :http-ish\n"))
        #expect(run.stderr.contains("        ^^^^^^^^^"))
    }

    @Test func unknownNamespaceIsASystemError() throws {
        let run = try runTCPDoctor(["sockets", "--netns", "tcpdoctor-no-such-netns"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("tcpdoctor-no-such-netns"))
    }
}
