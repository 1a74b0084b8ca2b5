import Synchronization
import TCPDoctorCore
import TCPDoctorSystem

/// The `/proc/*/fd` walk running on a thread of its own while the caller dumps sockets.
///
/// Whoever starts a walk calls `wait()` exactly once, on every path (see
/// `SnapshotReader.dumpBesideWalk`): the thread is joined there, never left running.
final class OwnerWalk: Sendable {
    private final class Outcome: Sendable {
        let value = Mutex<Result<FDScan, LinuxError>?>(nil)
    }

    private let outcome = Outcome()
    private let thread: JoinableThread?
    private let scan: @Sendable () -> Result<FDScan, LinuxError>

    /// Starts `scan` on a new thread, or leaves it for `wait()` when no thread can be had.
    init(scan: @escaping @Sendable () -> Result<FDScan, LinuxError>) {
        self.scan = scan
        let outcome = self.outcome
        thread = try? systemStartThread { outcome.value.withLock { $0 = scan() } }.get()
    }

    /// A walk of every process's fds, shared by `threads` threads.
    static func start(threads: Int = 2) -> OwnerWalk {
        OwnerWalk {
            do throws(LinuxError) {
                return .success(try FDScanner().scan(threads: threads))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The walk's result, after joining its thread; when the thread could not be started, the
    /// walk runs here.
    func wait() throws(LinuxError) -> FDScan {
        guard let thread else { return try scan().get() }
        thread.join()
        switch outcome.value.withLock({ $0 }) {
        case .success(let scan): return scan
        case .failure(let error): throw error
        case nil: throw LinuxError(.systemCall, "the /proc fd walk ended without a result")
        }
    }
}
