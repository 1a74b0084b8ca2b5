import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// Without root, tcpdoctor still diagnoses what it can and says what it could not see.
struct UnprivilegedTests {
    static let canDropPrivileges = getuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0

    /// setpriv's arguments that make a process wholly `nobody`: real and effective ids, no groups
    /// (and so, with every uid non-zero, no capabilities).
    static let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]

    /// Runs the built binary as `nobody` through setpriv, from a copy the user can execute.
    static func runAsNobody(_ arguments: [String]) throws -> TCPDoctorRun {
        try runDropped(nobody, arguments)
    }

    /// Runs the built binary under `setpriv CREDENTIALS`, from a copy the user can execute.
    /// Each call has its own copy: the tests of this suite run in parallel.
    static func runDropped(_ credentials: [String], _ arguments: [String]) throws -> TCPDoctorRun {
        let copy = "/tmp/tcpdoctor-unprivileged-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: tcpdoctorExecutable(), toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        chmod(copy, 0o755)
        return try runProgram("/usr/bin/setpriv", credentials + [copy] + arguments)
    }

    /// The doctor about `holder` alone, with the idle threshold at 0 so that only privilege decides.
    static func doctor(_ holder: ResetSocketHolder, as credentials: [String]) throws -> [String: Any] {
        let run = try runDropped(
            credentials,
            ["doctor", "--json", "--pid", "\(holder.pid)", "--threshold", "dead-socket-fds.min-idle-seconds=0"]
        )
        #expect(run.status == 0, "stderr: \(run.stderr)")
        return try run.json()
    }

    /// The fd walk may read a process's fds (ptrace READ, by fs uid) where pidfd_getfd may not
    /// duplicate them (ptrace ATTACH, by real uid): Yama's ptrace_scope 1 does that to a user's own
    /// processes, a container's seccomp profile to all. This host has no Yama, so the doctor runs
    /// with real uid 65533 and effective uid nobody against a holder that is nobody: the walk sees
    /// the reset socket, pidfd_getfd is refused with EPERM, and the fd is unverified, not a finding.
    @Test(.enabled(if: canDropPrivileges, "needs root to drop to nobody"))
    func anFDThatCannotBeDuplicatedIsUnverifiedAndNeverAFinding() throws {
        let holder = try ResetSocketHolder(prefix: ["/usr/bin/setpriv"] + Self.nobody)
        let denied = try Self.doctor(holder, as: ["--ruid=65533", "--euid=65534", "--regid=65534", "--clear-groups"])
        #expect(holder.deadSocketFindings(in: denied).isEmpty, "what could not be confirmed is not a finding")
        let unverified = holder.entries("unverified_socket_fds", in: denied)
        let reset = try #require(unverified.first { $0["fd"] as? Int32 == holder.resetFD })
        #expect(reset["reason"] as? String == "pidfd_getfd-denied")
        #expect(reset["inode"] as? UInt64 == holder.resetInode)
        #expect((reset["detail"] as? String)?.contains("pidfd_getfd") == true)
        // Without a duplicate a refused or never-connected socket cannot be told from a reset one.
        #expect(
            Set(unverified.compactMap { $0["inode"] as? UInt64 }) == [
                holder.resetInode, holder.refusedInode, holder.freshInode,
            ]
        )
        #expect(unverified.allSatisfy { $0["reason"] as? String == "pidfd_getfd-denied" })

        // The same user as the holder may duplicate its fds: confirmed, the refused connect not.
        let same = try Self.doctor(holder, as: Self.nobody)
        let finding = try #require(holder.deadSocketFindings(in: same).first)
        #expect((finding["evidence"] as? [String: Any])?["fds"] as? [Int] == [Int(holder.resetFD)])
        #expect(holder.entries("unverified_socket_fds", in: same).isEmpty)
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
