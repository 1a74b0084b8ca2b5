import Foundation
import Glibc
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

@Suite(.serialized)
struct FDScannerTests {
    @Test func findsASocketThisProcessHolds() throws {
        let socket = try ProcTestSocket()
        try socket.listenOnLoopback()
        let inode = try socket.inode()
        let scan = try FDScanner().scan()
        let me = getpid()
        // Only our own holders: a parallel test's posix_spawn child briefly shares our fds too.
        #expect(scan.owners.owners(of: inode).filter { $0.pid == me } == [SocketOwner(pid: me, fd: socket.fd)])
        #expect(scan.socketHolders.contains(me))
        #expect(scan.openFiles[me].map { $0 > 0 } == true)
        #expect(scan.processesScanned > 1)
        #expect(scan.owners.dictionary()[inode]?.contains(SocketOwner(pid: me, fd: socket.fd)) == true)
    }

    @Test func countsEveryOpenFileOfARestrictedScan() throws {
        // A child whose fd table nothing changes while it sleeps; this process's own table moves
        // with every test running in parallel. Counted once it sleeps: just after exec, the
        // loader's open files came and went between the count and the scan.
        let sockets = try (0..<5).map { _ in try ProcTestSocket() }
        let child = try SpawnedChild(inheriting: sockets.enumerated().map { ($1.fd, Int32(100 + $0)) })
        defer { child.terminate() }
        try child.waitUntilAsleep()
        let expected = try FileManagerFree.entries(of: "/proc/\(child.pid)/fd")
        let scan = try FDScanner().scan(pids: [child.pid])
        #expect(scan.openFiles == [child.pid: expected])
        #expect(expected >= 5)
        #expect(scan.processesScanned == 1)
        #expect(scan.socketHolders == [child.pid])
        #expect(scan.owners.holders.filter { $0.fd >= 100 && $0.fd < 105 }.count == 5)
    }

    @Test func aForkedChildIsASecondOwnerOfTheSameInode() throws {
        let socket = try ProcTestSocket()
        try socket.listenOnLoopback()
        let inode = try socket.inode()
        let child = try SpawnedChild(inheriting: [(socket.fd, 100)])
        defer { child.terminate() }
        try child.waitUntilAsleep()
        let me = getpid()
        for threads in [1, 2, 4] {
            let scan = try FDScanner().scan(threads: threads)
            let expected = [SocketOwner(pid: me, fd: socket.fd), SocketOwner(pid: child.pid, fd: 100)].sorted()
            let ours = scan.owners.owners(of: inode).filter { $0.pid == me || $0.pid == child.pid }
            #expect(Array(ours) == expected, "threads: \(threads)")
            #expect(scan.socketHolders.contains(child.pid))
        }
    }

    @Test func aReapedProcessIsCountedAsVanished() throws {
        let child = try SpawnedChild()
        child.terminate()
        let scan = try FDScanner().scan(pids: [getpid(), child.pid])
        #expect(scan.processesVanished == 1)
        #expect(scan.processesScanned == 1)
        #expect(scan.openFiles[child.pid] == nil)
        #expect(!scan.socketHolders.contains(child.pid))
    }

    @Test func aZombieHoldsNothing() throws {
        let socket = try ProcTestSocket()
        let inode = try socket.inode()
        let child = try SpawnedChild(inheriting: [(socket.fd, 100)])
        defer { child.terminate() }
        try child.waitUntilAsleep()
        kill(child.pid, SIGKILL)
        // Not reaped: the child is a zombie, whose fd table is already released.
        var info = siginfo_t()
        #expect(waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT) == 0)
        let scan = try FDScanner().scan()
        let holders = scan.owners.owners(of: inode).map(\.pid)
        #expect(holders.contains(getpid()))
        #expect(!holders.contains(child.pid))
        #expect(!scan.socketHolders.contains(child.pid))
    }

    /// Kills a child holding many sockets while scans run: each scan must see it whole or not at all.
    @Test func aProcessExitingMidScanIsAllOrNothing() throws {
        let sockets = try (0..<200).map { _ in try ProcTestSocket() }
        let inodes = Set(try sockets.map { try $0.inode() })
        let me = getpid()
        for round in 0..<5 {
            let child = try SpawnedChild(inheriting: sockets.enumerated().map { ($1.fd, Int32(100 + $0)) })
            defer { child.terminate() }
            try child.waitUntilAsleep()
            let pid = child.pid
            let killed = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                usleep(UInt32(200 * round))
                kill(pid, SIGKILL)
                killed.signal()
            }
            let scan = try FDScanner().scan(pids: [me, child.pid], threads: 1)
            // Count only our sockets: the child also inherits whatever the test runner left open.
            var held = 0
            scan.owners.forEachSocket { inode, owners in
                if inodes.contains(inode) { held += owners.filter { $0.pid == child.pid }.count }
            }
            #expect(held == 0 || held == sockets.count, "round \(round): child reported with \(held) sockets")
            if held == 0 { #expect(scan.processesVanished == 1 || scan.openFiles[child.pid] == 0) }
            killed.wait()
        }
    }

    @Test func unreadableProcessesAreReportedWithAReason() throws {
        // Whether pid 1's fd links are readable depends on the host (here even root gets EACCES),
        // so the expectation comes from asking the kernel directly.
        var buffer = [CChar](repeating: 0, count: 64)
        let direct = readlink("/proc/1/fd/0", &buffer, buffer.count)
        let deniedError = errno
        let scan = try FDScanner().scan(pids: [1])
        if direct < 0 && (deniedError == EACCES || deniedError == EPERM) {
            let entry = try #require(scan.processesUnreadable.first)
            #expect(entry.pid == 1)
            #expect(entry.reason == "permission denied")
            #expect(entry.command?.isEmpty == false)
            #expect(scan.processesScanned == 0)
            #expect(scan.owners.isEmpty)
        } else {
            #expect(scan.processesUnreadable.isEmpty)
        }
    }

    @Test func aMissingProcRootIsAnError() {
        #expect(throws: LinuxError.self) { try FDScanner(procRoot: "/nonexistent-proc").scan() }
    }
}

/// Counts directory entries with plain libc, independently of the code under test.
///
/// For `/proc/self/fd` the count includes the descriptor `opendir` holds.
enum FileManagerFree {
    static func entries(of path: String) throws -> Int {
        let directory = try #require(opendir(path), "opendir \(path) failed")
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { count += 1 }
        }
        return count
    }
}
