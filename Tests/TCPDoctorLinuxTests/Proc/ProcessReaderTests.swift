import CSockDiag
import Foundation
import Glibc
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

@Suite(.serialized)
struct ProcessReaderTests {
    @Test func readsThisProcess() throws {
        let me = getpid()
        let process = try #require(try ProcessReader().read(pid: me))
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8)
        #expect(process.pid == me)
        #expect(process.command + "\n" == comm)
        #expect(process.argv == CommandLine.arguments)
        #expect(process.uid == getuid())
        #expect(process.parentPID == getppid())
        #expect(process.user == (getuid() == 0 ? "root" : process.user))
        // RLIM_INFINITY is ~0; the macro does not import cleanly next to CSockDiag.
        var limit = rlimit()
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(process.fileLimitSoft == (limit.rlim_cur == rlim_t.max ? nil : UInt64(limit.rlim_cur)))
        #expect(process.fileLimitHard == (limit.rlim_max == rlim_t.max ? nil : UInt64(limit.rlim_max)))
        var netns = stat()
        #expect(stat("/proc/self/ns/net", &netns) == 0)
        #expect(process.netns == UInt64(netns.st_ino))
        #expect(process.openFiles > 2)
    }

    @Test func takesTheFDCountItIsGiven() throws {
        let process = try #require(try ProcessReader().read(pid: getpid(), openFiles: 12_345))
        #expect(process.openFiles == 12_345)
    }

    @Test func readsAChildWithItsOwnLimits() throws {
        let child = try SpawnedChild()
        defer { child.terminate() }
        try child.waitUntilExecuted()
        let process = try #require(try ProcessReader().read(pid: child.pid))
        #expect(process.command == "sleep")
        #expect(process.argv == ["/bin/sleep", "300"])
        #expect(process.parentPID == getpid())
    }

    @Test func aVanishedProcessIsNilAndCounted() throws {
        let child = try SpawnedChild()
        child.terminate()
        #expect(try ProcessReader().read(pid: child.pid) == nil)
        let batch = ProcessReader().read(pids: [getpid(), child.pid])
        #expect(batch.vanished == 1)
        #expect(batch.processes.keys.sorted() == [getpid()])
        #expect(batch.unreadable.isEmpty)
    }

    @Test func usersComeFromTheGivenDirectory() throws {
        let users = UserDirectory(passwd: Array("someone:x:\(getuid()):0::/:/bin/sh\n".utf8))
        let process = try #require(try ProcessReader(users: users).read(pid: getpid()))
        #expect(process.user == "someone")
    }
}
