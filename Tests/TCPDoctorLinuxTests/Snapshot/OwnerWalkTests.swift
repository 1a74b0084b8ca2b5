import Foundation
import Glibc
import Synchronization
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

/// The fd walk runs on a thread of its own beside the dump and is joined on every path, also
/// when the dump throws.
struct OwnerWalkTests {
    /// What the walk's thread did, seen from the test.
    final class Probe: Sendable {
        let thread = Mutex<Int32>(0)
        let finished = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
    }

    /// A real walk (of this process's fds) that first waits up to `hold` for the test to
    /// release it, so that a walk left running is still running when the call returns.
    static func walk(_ probe: Probe, hold: DispatchTime) -> OwnerWalk {
        OwnerWalk {
            probe.thread.withLock { $0 = Self.currentThreadID() }
            _ = probe.release.wait(timeout: hold)
            let result: Result<FDScan, LinuxError>
            do throws(LinuxError) {
                result = .success(try FDScanner().scan(pids: [getpid()], threads: 1))
            } catch {
                result = .failure(error)
            }
            probe.finished.store(true, ordering: .sequentiallyConsistent)
            return result
        }
    }

    @Test func aDumpThatThrowsStillJoinsTheWalk() throws {
        let probe = Probe()
        // The walk holds at most 300 ms: long enough to be caught running, short for the test.
        let walk = Self.walk(probe, hold: .now() + .milliseconds(300))
        #expect(throws: LinuxError.self) {
            _ = try SnapshotReader.dumpBesideWalk(walk) { () throws(LinuxError) -> SnapshotReader.Dumped in
                throw LinuxError(.namespaceUnavailable, "injected: the namespace could not be entered")
            }
        }
        let finished = probe.finished.load(ordering: .sequentiallyConsistent)
        probe.release.signal()
        #expect(finished, "the walk was still running when the failed snapshot returned")
        // Its thread is gone too (a joined thread may take a moment to leave /proc/self/task).
        let thread = probe.thread.withLock { $0 }
        try #require(thread > 0)
        let deadline = ContinuousClock.now + .seconds(5)
        while access("/proc/self/task/\(thread)", F_OK) == 0 && ContinuousClock.now < deadline { usleep(1_000) }
        #expect(access("/proc/self/task/\(thread)", F_OK) != 0, "walk thread \(thread) is still alive")
    }

    @Test func aDumpThatSucceedsReturnsTheWalk() throws {
        let probe = Probe()
        probe.release.signal()
        let walk = Self.walk(probe, hold: .now() + .seconds(5))
        let (dumped, scan) = try SnapshotReader.dumpBesideWalk(walk) { () throws(LinuxError) in
            SnapshotReader.Dumped()
        }
        #expect(dumped.sockets.isEmpty)
        #expect(scan?.processesScanned == 1)
        let finished = probe.finished.load(ordering: .sequentiallyConsistent)
        #expect(finished)
    }

    /// The calling thread's id, from `/proc/thread-self` (`PID/task/TID`); glibc's gettid is not
    /// visible to Swift here.
    static func currentThreadID() -> Int32 {
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
        return Int32(target.split(separator: "/").last ?? "") ?? 0
    }
}
