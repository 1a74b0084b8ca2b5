import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// `free-fds` on the lab's close-wait-noread server: a Swift process (tcpdoctor's own lab role)
/// that stopped reading its connections.
@Suite(.serialized, .enabled(if: runningAsRoot, "ptrace of another process needs CAP_SYS_PTRACE"))
struct FreeFDsLabTests {
    @Test func freesTheLabServersCloseWaitFDs() throws {
        let lab = try BackgroundTCPDoctor([
            "lab", "run", "close-wait-noread", "--connections", "30", "--hold", "120", "--json",
        ])
        defer { lab.send(SIGTERM) }
        let document = try lab.firstLine(within: 30)
        let run = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        let server = try #require(((run["culprit"] as? [String: Any])?["pids"] as? [Int32])?.first)

        let deadline = ContinuousClock.now + .seconds(10)
        var planned = 0
        while planned < 30 && ContinuousClock.now < deadline {
            let plan = try runTCPDoctor(["free-fds", "--pid", "\(server)", "--json", "state", "close-wait"])
            planned = (try plan.json()["fds"] as? [[String: Any]])?.count ?? 0
            if planned < 30 { usleep(50_000) }
        }
        #expect(planned == 30)

        let act = try runTCPDoctor(["free-fds", "--pid", "\(server)", "--yes", "--json", "state", "close-wait"])
        #expect(act.status == 0, "stderr: \(act.stderr)")
        let done = try act.json()
        #expect(done["freed"] as? Int == 30)
        let (before, after) = (try #require(done["fds_before"] as? Int), try #require(done["fds_after"] as? Int))
        #expect(before - after == 30)
        #expect((done["threads"] as? Int ?? 0) >= 1)
        let status = try String(contentsOfFile: "/proc/\(server)/status", encoding: .utf8)
        let state = status.split(separator: "\n").first { $0.hasPrefix("State:") } ?? ""
        #expect(!state.contains("t (tracing stop)") && !state.contains("T (stopped)"), "\(state)")
        #expect(status.contains("TracerPid:\t0\n"))
        // The server lives on: the lab still holds, and its sockets list shows no CLOSE_WAIT left.
        let sockets = try runTCPDoctor(["sockets", "--json", "--pid", "\(server)", "state", "close-wait"])
        #expect((try sockets.json()["sockets"] as? [[String: Any]])?.isEmpty == true)
        #expect(kill(server, 0) == 0 && kill(lab.pid, 0) == 0, "the server and the lab still run: \(lab.stderr)")
    }
}
