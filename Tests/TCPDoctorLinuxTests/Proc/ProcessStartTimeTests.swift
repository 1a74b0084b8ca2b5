import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// What is read about a socket holder after the fd walk belongs to the process the walk saw:
/// the walk records each holder's start time, and a pid that has gone to another process since
/// is dropped as vanished instead of lending that process's details.
@Suite(.serialized)
struct ProcessStartTimeTests {
    @Test func theWalkRecordsEachHoldersStartTime() throws {
        let socket = try ProcTestSocket()
        try socket.listenOnLoopback()
        let me = getpid()
        let scan = try FDScanner().scan(pids: [me])
        let stat = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/proc/self/stat")))
        let expected = try #require(stat.withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) }?.startTime)
        #expect(scan.startTimes == [me: expected])
        let process = ProcessReader().read(pids: [me], startTimes: scan.startTimes)
        #expect(process.processes[me]?.pid == me)
        #expect(process.vanished == 0)
        withExtendedLifetime(socket) {}
    }

    @Test(.enabled(if: ReusedPIDFixture.isAvailable, "needs root, unshare and python3"))
    func aPIDReusedAfterTheWalkIsDroppedNotRead() throws {
        let fixture = try ReusedPIDFixture()
        let pid = ReusedPIDFixture.pid
        let scan = try FDScanner(procRoot: fixture.procRoot).scan(pids: [pid])
        try #require(scan.socketHolders == [pid], "the holder's listener is a socket fd")
        let walked = try #require(scan.startTimes[pid])
        let reader = ProcessReader(procRoot: fixture.procRoot)
        let firstNetns = try ReusedPIDFixture.inode(fixture.holderNamespacePath)
        let first = try #require(try reader.read(pid: pid, startTime: walked))
        #expect(first.netns == firstNetns)
        #expect(first.startTime == walked)
        let detector = RuntimeDetector(procRoot: fixture.procRoot)
        #expect(detector.identify(first)?.runtime == .cpython)

        try fixture.reuse()
        // The same pid, another process (in another namespace, started later).
        let now = try #require(try reader.read(pid: pid))
        #expect(now.netns != firstNetns)
        #expect(try reader.read(pid: pid, startTime: walked) == nil)
        let batch = reader.read(pids: [pid], openFiles: scan.openFiles, startTimes: scan.startTimes)
        #expect(batch.processes.isEmpty)
        #expect(batch.vanished == 1)
        #expect(batch.unreadable.isEmpty)
        // The runtime, read later still, is not the new process's either.
        #expect(detector.identify(first) == nil)
        #expect(detector.identify(now)?.runtime == .cpython)
    }

    @Test func aHolderWithoutAStartTimeFromTheWalkHasVanished() {
        let batch = ProcessReader().read(pids: [getpid()], startTimes: [:])
        #expect(batch.processes.isEmpty)
        #expect(batch.vanished == 1)
    }

    @Test(arguments: [
        // Field 22 (starttime) of a real line, and of one whose comm holds ") " and spaces.
        ("7 (sleep) S 1 7 7 0 -1 4194304 90 0 0 0 0 0 0 0 20 0 1 0 123456 8192 100", 123_456 as UInt64?),
        ("8 (a) b (c)) R 1 8 8 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0", 98_765),
        ("9 (short) S 1 9 9 0 -1 4194304 0 0", nil),
    ])
    func startTimeIsField22(_ line: String, _ expected: UInt64?) throws {
        let excerpt = try #require(Array(line.utf8).withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) })
        #expect(excerpt.startTime == expected)
    }
}
