// CDispatch: struct stat and its members, which this target sees through the module that first
// included <sys/stat.h> (MemberImportVisibility).
import CDispatch
import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorTestSupport
import Testing

/// `FDFreer` called as a library does what the command does, and its guards hold against a real
/// process: an fd reused between plan and action is left alone, a process that dies while
/// stopped is reported, and the socket check tells the planned socket from any other.
@Suite(.serialized, .enabled(if: runningAsRoot, "ptrace of another process needs CAP_SYS_PTRACE"))
struct FreeFDsLibraryTests {
    static func plan(_ server: CloseWaitServer, count: Int) throws -> FDFreePlan {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let plan = try FDFreer.plan(pid: server.pid).plan
            if plan.targets.count == count { return plan }
            guard ContinuousClock.now < deadline else { throw RunError("planned \(plan.targets.count), not \(count)") }
            usleep(20_000)
        }
    }

    @Test func anFDReusedBetweenPlanAndActionIsLeftAlone() throws {
        let server = try CloseWaitServer(threads: 2, detached: true)
        try server.leak(3)
        let plan = try Self.plan(server, count: 3)
        let swapped = try #require(plan.targets.dropFirst().first)
        // The server closes that number and opens a new socket on it, behind the plan's back.
        let newInode = try #require(UInt64(try server.request("swap \(swapped.fd)")))
        #expect(newInode != swapped.inode)

        let report = try FDFreer.act(plan)
        let results = Dictionary(uniqueKeysWithValues: report.outcomes.map { ($0.target.fd, $0.result) })
        #expect(results[swapped.fd] == .changed(inode: newInode))
        #expect(report.freedCount == 2)
        #expect(!report.isComplete)
        #expect(report.failure == nil)
        #expect(server.link(swapped.fd) == "socket:[\(newInode)]", "the new socket is still open")
        for target in plan.targets where target.fd != swapped.fd { #expect(server.link(target.fd) == nil) }
        #expect(try server.request("ping") == "pong")
    }

    @Test func aProcessThatDiesWhileStoppedIsReported() throws {
        let server = try CloseWaitServer(threads: 2, detached: true)
        try server.leak(3)
        let plan = try Self.plan(server, count: 3)
        let report = try FDFreer.act(plan, whileStopped: { kill(server.pid, SIGKILL) })
        let failure = try #require(report.failure)
        #expect(failure.step == "exit")
        #expect(failure.message.contains("process \(server.pid) exited during free-fds"), "\(failure.message)")
        #expect(report.freedCount == 0)
        #expect(report.outcomes.allSatisfy { if case .notAttempted = $0.result { true } else { false } })
        #expect(report.fdsAfter == nil)
    }

    @Test func aProcessGoneBeforeTheActionIsRefused() throws {
        var server: CloseWaitServer? = try CloseWaitServer(threads: 1, detached: true)
        try server?.leak(1)
        let plan = try Self.plan(try #require(server), count: 1)
        server = nil  // killed and reaped
        #expect(throws: FDFreeRefusal.self) { try FDFreer.act(plan) }
    }

    @Test func theSocketCheckTellsThePlannedSocketFromAnyOther() throws {
        let server = try CloseWaitServer(threads: 1, detached: true)
        try server.leak(1)
        let target = try #require(try Self.plan(server, count: 1).targets.first)
        #expect(FDFreer.sameSocket(pid: server.pid, fd: target.fd, inode: target.inode) == nil)
        #expect(
            FDFreer.sameSocket(pid: server.pid, fd: target.fd, inode: target.inode + 1)
                == .changed(inode: target.inode)
        )
        #expect(FDFreer.sameSocket(pid: server.pid, fd: 999, inode: target.inode) == .changed(inode: nil))
        // fd 0 is /dev/null (the child's standard input), not a socket, whatever its inode.
        var info = stat()
        stat("/dev/null", &info)
        #expect(
            FDFreer.sameSocket(pid: server.pid, fd: 0, inode: UInt64(info.st_ino))
                == .changed(inode: UInt64(info.st_ino))
        )
    }
}
