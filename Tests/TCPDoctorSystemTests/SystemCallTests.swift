import Glibc
import SystemPackage
import TCPDoctorSystem
import Testing

/// The one EINTR loop, errno as `Errno`, and close.
@Suite struct SystemCallTests {
    @Test func interruptionsAreRetriedUntilTheCallSucceeds() {
        var calls = 0
        let result = valueOrErrno { () -> Int32 in
            calls += 1
            if calls < 5 {
                Glibc.errno = EINTR
                return -1
            }
            return 3
        }
        #expect(result == .success(3))
        #expect(calls == 5)
    }

    @Test func anotherErrnoEndsTheLoopAtOnce() {
        var calls = 0
        let result = valueOrErrno { () -> Int in
            calls += 1
            Glibc.errno = EAGAIN
            return -1
        }
        #expect(result == .failure(.resourceTemporarilyUnavailable))
        #expect(calls == 1)
    }

    @Test func interruptionsAreRetriedOnlySoOften() {
        var calls = 0
        let result = valueOrErrno(retryingInterruptions: 3) { () -> Int32 in
            calls += 1
            Glibc.errno = EINTR
            return -1
        }
        #expect(result == .failure(.interrupted))
        #expect(calls == 4)
        var flaky = 0
        let recovered = valueOrErrno(retryingInterruptions: 3) { () -> Int32 in
            flaky += 1
            if flaky < 3 {
                Glibc.errno = EINTR
                return -1
            }
            return 7
        }
        #expect(recovered == .success(7))
        var once = 0
        let unretried = valueOrErrno(retryingInterruptions: 0) { () -> Int32 in
            once += 1
            Glibc.errno = EINTR
            return -1
        }
        #expect(unretried == .failure(.interrupted))
        #expect(once == 1)
    }

    @Test func realFailuresCarryTheirErrno() {
        #expect(systemOpenReadOnly("/nonexistent/tcpdoctor-system-test") == .failure(.noSuchFileOrDirectory))
        #expect(systemRead(-1, UnsafeMutableRawBufferPointer(start: nil, count: 0)) == .success(0))
        var byte: UInt8 = 0
        let badRead = withUnsafeMutableBytes(of: &byte) { systemRead(-1, $0) }
        #expect(badRead == .failure(.badFileDescriptor))
        #expect(systemStat("/nonexistent/tcpdoctor-system-test").map(\.st_ino) == .failure(.noSuchFileOrDirectory))
        #expect(systemReadLink("/proc/self/cwd").map { $0.hasPrefix("/") } == .success(true))
    }

    @Test func closeReleasesTheDescriptorOnce() throws {
        let fd = try systemOpenReadOnly("/dev/null").get()
        #expect(throws: Never.self) { try systemFStat(fd).get() }
        closeDescriptor(fd)
        #expect(systemFStat(fd).map(\.st_ino) == .failure(.badFileDescriptor))
        // A bad descriptor is reported by close(2) and ignored: nothing to retry, nothing to leak.
        closeDescriptor(-1)
    }

    @Test func aFailedDuplicateNamesItsCall() throws {
        // pid_max is at most 2^22: this pid cannot exist.
        let noProcess = systemDuplicateDescriptor(pid: 1 << 23, fd: 0)
        #expect(noProcess == .failure(SystemCallError(call: "pidfd_open", errno: .noSuchProcess)))
        let noDescriptor = systemDuplicateDescriptor(pid: systemOwnPID(), fd: 1 << 20)
        #expect(noDescriptor == .failure(SystemCallError(call: "pidfd_getfd", errno: .badFileDescriptor)))
    }
}
