import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

@Suite(.serialized)
struct StatesCommandTests {
    static let stateNames = [
        "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
        "LAST_ACK", "LISTEN", "CLOSING",
    ]

    @Test func countsCloseWaitApartFromEstablished() throws {
        let listener = try LoopbackSocket.listen()
        let port = listener.port
        var clients: [LoopbackSocket] = []
        var servers: [LoopbackSocket] = []
        for _ in 0..<3 {
            clients.append(try LoopbackSocket.connect(to: port))
            servers.append(try listener.accept())
        }
        clients[0].close()
        clients[1].close()
        let filter = ["src", "127.0.0.1:\(port)"]
        var states: [String: Int] = [:]
        for _ in 0..<50 {
            let run = try runTCPDoctor(["states", "--json"] + filter)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let document = try run.json()
            states = document["states"] as? [String: Int] ?? [:]
            if states["CLOSE_WAIT"] == 2 { break }
            usleep(20_000)
        }
        #expect(Set(states.keys) == Set(Self.stateNames))
        #expect(states["CLOSE_WAIT"] == 2)
        #expect(states["ESTABLISHED"] == 1)
        #expect(states["LISTEN"] == 1)
        #expect(states.values.reduce(0, +) == 4)
    }

    @Test func groupsByProcess() throws {
        let listener = try LoopbackSocket.listen()
        let client = try LoopbackSocket.connect(to: listener.port)
        let server = try listener.accept()
        let run = try runTCPDoctor(["states", "--json", "--by", "process", "src", "127.0.0.1:\(listener.port)"])
        #expect(run.status == 0)
        let document = try run.json()
        #expect(document["by"] as? String == "process")
        let groups = try #require(document["groups"] as? [[String: Any]])
        #expect(groups.count == 1)
        #expect(groups.first?["pid"] as? Int32 == getpid())
        #expect(groups.first?["total"] as? Int == 2)
        _ = (client, server)
    }

    @Test func tableListsStatesAndTotal() throws {
        let listener = try LoopbackSocket.listen()
        let run = try runTCPDoctor(["states", "src", "127.0.0.1:\(listener.port)"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("LISTEN"))
        #expect(run.stdout.split(separator: "\n").last?.hasPrefix("total") == true)
    }

    @Test func rejectsAnUnknownGrouping() throws {
        let run = try runTCPDoctor(["states", "--by", "colour"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("colour"))
    }
}
