import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// A socket the peer reset is gone from every kernel table while its fd stays open: the leak
/// that netstat and ss cannot show. A socket never connected is in no table either, and is not one.
@Suite(.serialized)
struct DeadSocketTests {
    @Test(.enabled(if: runningAsRoot, "pidfd_getfd needs the right to ptrace the holder"))
    func resetSocketHeldOpenIsListedAndAFreshSocketIsNot() throws {
        let connection = try LoopbackConnection.open()
        connection.client.setAbortOnClose()
        connection.client.close()  // RST: the server side leaves the tables, its fd stays open.
        let fresh = try LoopbackSocket.unconnected()

        var dead: [[String: Any]] = []
        for _ in 0..<50 {
            let run = try runTCPDoctor(["sockets", "--json"])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            dead = (try run.json()["dead_socket_fds"] as? [[String: Any]] ?? []).filter {
                $0["pid"] as? Int32 == getpid()
            }
            if dead.contains(where: { $0["fd"] as? Int32 == connection.server.fd }) { break }
            usleep(20_000)
        }
        let entry = try #require(dead.first { $0["inode"] as? UInt64 == connection.server.inode })
        #expect(entry["fd"] as? Int32 == connection.server.fd)
        #expect(entry["protocol"] as? String == "TCP")
        #expect(!dead.contains { $0["inode"] as? UInt64 == fresh.inode }, "a never-connected socket is not a leak")
        withExtendedLifetime((connection, fresh)) {}
    }
}
