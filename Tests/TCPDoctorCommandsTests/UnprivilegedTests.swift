import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// Without root, tcpdoctor still diagnoses what it can and says what it could not see.
struct UnprivilegedTests {
    static let canDropPrivileges = getuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0

    /// Runs the built binary as `nobody` through setpriv, from a copy the user can execute.
    /// Each call has its own copy: the tests of this suite run in parallel.
    static func runAsNobody(_ arguments: [String]) throws -> TCPDoctorRun {
        let copy = "/tmp/tcpdoctor-unprivileged-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: tcpdoctorExecutable(), toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        chmod(copy, 0o755)
        return try runProgram(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", copy] + arguments
        )
    }

    @Test(.enabled(if: canDropPrivileges, "needs root to drop to nobody"))
    func doctorAsNobodySaysWhatItCouldNotSee() throws {
        let run = try Self.runAsNobody(["doctor", "--json"])
        #expect(run.status == 0 || run.status == 1, "stderr: \(run.stderr)")
        let document = try run.json()
        let unattributed = try #require(document["unattributed"] as? [String: Any])
        #expect((unattributed["unreadable_processes"] as? [Any])?.isEmpty == false)
        let reasons = unattributed["reasons"] as? [String] ?? []
        #expect(reasons.contains { $0.contains("run as root") })
        #expect(run.stderr.contains("could not be inspected"))
    }

    @Test(.enabled(if: canDropPrivileges, "needs root to drop to nobody"))
    func socketsAsNobodyStillListsRootsSockets() throws {
        let listener = try LoopbackSocket.listen()
        let run = try Self.runAsNobody(["sockets", "--json", "--netns", "current", "src", "127.0.0.1:\(listener.port)"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        // Netlink dumps are open to every user; only the owner, a root process, stays hidden.
        let sockets = try run.json()["sockets"] as? [[String: Any]] ?? []
        #expect(sockets.count == 1)
        #expect(sockets.first?["inode"] as? UInt64 == listener.inode)
        #expect((sockets.first?["owners"] as? [Any])?.isEmpty == true)
        #expect(run.stderr.contains("no visible owner"))
        withExtendedLifetime(listener) {}
    }
}
