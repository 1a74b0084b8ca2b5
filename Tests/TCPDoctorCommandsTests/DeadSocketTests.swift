import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// A socket the peer reset is gone from every kernel table while its fd stays open: the leak
/// that netstat and ss cannot show. It is a finding only once confirmed through a duplicate of
/// the fd and idle past `dead-socket-fds.min-idle-seconds`; a socket whose connect() was just
/// refused, or one never connected, is in no table either and is never one.
@Suite(.serialized)
struct DeadSocketTests {
    static func doctor(_ holder: ResetSocketHolder, minimumIdle: String) throws -> [String: Any] {
        let run = try runTCPDoctor([
            "doctor", "--json", "--pid", "\(holder.pid)", "--rule", "dead-socket-fds",
            "--threshold", "dead-socket-fds.min-idle-seconds=\(minimumIdle)",
        ])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        return try run.json()
    }

    @Test(.enabled(if: runningAsRoot, "pidfd_getfd of another process needs the right to ptrace it"))
    func aResetSocketIsConfirmedOnceIdlePastTheThresholdAndARefusedConnectNever() throws {
        let holder = try ResetSocketHolder()

        // Reset a moment ago: unverified, with the reason, and no finding.
        let recent = try Self.doctor(holder, minimumIdle: "3600")
        #expect(holder.deadSocketFindings(in: recent).isEmpty)
        let waiting = holder.entries("unverified_socket_fds", in: recent)
        #expect(waiting.map { $0["fd"] as? Int32 } == [holder.resetFD])
        #expect(waiting.first?["reason"] as? String == "not-idle-long-enough")
        #expect((waiting.first?["detail"] as? String)?.contains("dead-socket-fds.min-idle-seconds") == true)

        // Idle past a low threshold: confirmed, and the refused and fresh sockets are not.
        var finding: [String: Any]?
        var document: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(10)
        while finding == nil && ContinuousClock.now < deadline {
            document = try Self.doctor(holder, minimumIdle: "0.2")
            finding = holder.deadSocketFindings(in: document).first
            if finding == nil { usleep(50_000) }
        }
        let confirmed = try #require(finding, "no dead-socket-fds finding within 10 s")
        let evidence = try #require(confirmed["evidence"] as? [String: Any])
        #expect(evidence["fds"] as? [Int] == [Int(holder.resetFD)], "only the reset socket, not the refused one")
        #expect(evidence["count"] as? Int == 1)
        #expect(holder.entries("unverified_socket_fds", in: document).isEmpty)

        // `sockets` applies the default threshold (10 s): the fresh reset is listed as unverified.
        let sockets = try runTCPDoctor(["sockets", "--json", "--pid", "\(holder.pid)"])
        #expect(sockets.status == 0, "stderr: \(sockets.stderr)")
        let listing = try sockets.json()
        let inodes = { (key: String) in Set(holder.entries(key, in: listing).compactMap { $0["inode"] as? UInt64 }) }
        #expect(!inodes("dead_socket_fds").contains(holder.refusedInode))
        #expect(!inodes("unverified_socket_fds").contains(holder.refusedInode))
        #expect(!inodes("dead_socket_fds").union(inodes("unverified_socket_fds")).contains(holder.freshInode))
        #expect(inodes("dead_socket_fds").union(inodes("unverified_socket_fds")) == [holder.resetInode])
    }

    @Test(.enabled(if: runningAsRoot, "pidfd_getfd of another process needs the right to ptrace it"))
    func theTextReportsListTheUnverifiedFDsApartFromTheFindings() throws {
        let holder = try ResetSocketHolder()
        let doctor = try runTCPDoctor([
            "doctor", "--pid", "\(holder.pid)", "--threshold", "dead-socket-fds.min-idle-seconds=3600",
        ])
        #expect(doctor.status == 0, "stderr: \(doctor.stderr)")
        #expect(!doctor.stdout.contains("[dead-socket-fds]"))
        #expect(doctor.stdout.contains("could not be confirmed as dead"))
        let line = doctor.stdout.split(separator: "\n").first { $0.contains("not-idle-long-enough") }
        #expect(line?.contains("\(holder.resetInode)") == true)

        let sockets = try runTCPDoctor(["sockets", "--pid", "\(holder.pid)"])
        #expect(sockets.stdout.contains("could not be confirmed as dead"))
        #expect(sockets.stdout.contains("\(holder.resetInode)"))
    }
}
