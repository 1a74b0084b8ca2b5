import Glibc
import Synchronization
import SystemPackage
import TCPDoctorSystem
import Testing

/// How many SIGUSR2 the test handler has caught.
private let caughtSignals = Atomic<Int>(0)

/// A real read(2) on an empty pipe, interrupted by a real signal whose handler is installed without
/// SA_RESTART, so that the kernel ends the read with EINTR.
@Suite(.serialized) struct InterruptionTests {
    /// A reader thread blocked in `read` on a pipe, and the pipe; `body` gets the result.
    final class BlockedReader: Sendable {
        let pipe: (read: Int32, write: Int32)
        /// The reader thread's `pthread_t`, 0 until it runs.
        let thread = Atomic<UInt>(0)
        let interruptions = Atomic<Int>(0)
        let finished = Atomic<Bool>(false)
        let result = Mutex<Result<Int, Errno>?>(nil)

        init() throws {
            pipe = try systemPipe().get()
        }

        deinit {
            closeDescriptor(pipe.read)
            closeDescriptor(pipe.write)
        }
    }

    init() throws {
        try systemSetSignalHandler(SIGUSR2, restart: false) { _ in
            caughtSignals.add(1, ordering: .relaxed)
        }.get()
    }

    /// Sends SIGUSR2 to the reader every 10 ms until `enough` or 2 s have passed.
    private func interrupt(_ reader: BlockedReader, until enough: () -> Bool) {
        for _ in 0..<200 where !enough() {
            let thread = reader.thread.load(ordering: .acquiring)
            if thread != 0 { _ = pthread_kill(pthread_t(thread), SIGUSR2) }
            usleep(10_000)
        }
    }

    @Test func oneReadOnceReturnsTheInterruption() throws {
        let reader = try BlockedReader()
        let thread = try systemStartThread {
            // A test runner's worker threads block most signals, and a new thread inherits that.
            _ = systemUnblockSignals([SIGUSR2])
            reader.thread.store(UInt(pthread_self()), ordering: .releasing)
            var byte: UInt8 = 0
            let got = withUnsafeMutableBytes(of: &byte) { systemReadOnce(reader.pipe.read, $0) }
            reader.result.withLock { $0 = got }
            reader.finished.store(true, ordering: .releasing)
        }.get()
        interrupt(reader) { reader.finished.load(ordering: .acquiring) }
        if !reader.finished.load(ordering: .acquiring) {
            _ = withUnsafeBytes(of: UInt8(1)) { systemWrite(reader.pipe.write, $0) }
        }
        thread.join()
        #expect(reader.result.withLock { $0 } == .failure(.interrupted))
    }

    @Test func aRetryingReadGoesOnAfterInterruptions() throws {
        let reader = try BlockedReader()
        let before = caughtSignals.load(ordering: .relaxed)
        let thread = try systemStartThread {
            _ = systemUnblockSignals([SIGUSR2])
            reader.thread.store(UInt(pthread_self()), ordering: .releasing)
            var byte: UInt8 = 0
            let got = withUnsafeMutableBytes(of: &byte) { systemRead(reader.pipe.read, $0) }
            reader.result.withLock { $0 = got.map { _ in Int(byte) } }
            reader.finished.store(true, ordering: .releasing)
        }.get()
        // Several signals while the read waits: each ends the read with EINTR, which is retried.
        interrupt(reader) { caughtSignals.load(ordering: .relaxed) - before >= 5 }
        let finishedEarly = reader.finished.load(ordering: .acquiring)
        #expect(!finishedEarly)
        _ = withUnsafeBytes(of: UInt8(42)) { systemWrite(reader.pipe.write, $0) }
        thread.join()
        let caught = caughtSignals.load(ordering: .relaxed) - before
        #expect(caught >= 5)
        #expect(reader.result.withLock { $0 } == .success(42))
    }
}
