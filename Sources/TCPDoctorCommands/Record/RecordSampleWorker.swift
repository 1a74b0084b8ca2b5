import Glibc
import Synchronization
import TCPDoctorLinux
import TCPDoctorSystem

/// Takes `record`'s samples on a thread of its own, so that the main thread keeps watching the
/// signal pipe while a sample of a loaded host takes seconds: a stop never waits for a sample.
///
/// `@unchecked Sendable`: the sampler is used by one sampling thread at a time (a sample starts
/// only after the previous one's thread was joined); the result crosses threads behind a `Mutex`.
final class RecordSampleWorker: @unchecked Sendable {
    /// What ended a wait: the sample, or a signal that came first.
    enum Outcome {
        case sample(Sample)
        case signal(Int32)
    }

    /// The longest time between two full owner walks: five minutes, not `watch`'s one. A
    /// recorder runs for months in the background, and on a busy host a full walk costs twice
    /// an incremental refresh; what a longer period risks is only the incremental refresh's one
    /// blind spot (`OwnerBook`: a process that swapped a shared socket's fd for another file at
    /// the same fd count stays listed among its holders), and any refresh whose books do not
    /// balance walks fully at once.
    static let fullWalkPeriod: Duration = .seconds(300)

    private let sampler = Sampler(fullRefreshPeriod: fullWalkPeriod)
    private let result = Mutex<Result<Sample, LinuxError>?>(nil)
    private let completion: (read: Int32, write: Int32)
    private var running: JoinableThread?

    init() throws(CommandFailure) {
        guard case .success(let pipe) = systemPipe() else {
            throw CommandFailure(ExitStatus.systemUnreadable, "Could not create the completion pipe of record.")
        }
        completion = pipe
    }

    /// Starts the next sample on a new thread, then waits for it or for a byte on `signals`.
    ///
    /// On a signal the sample in progress is left to run: it touches no database, and the
    /// process ends without waiting for it.
    ///
    /// - Throws: `LinuxError` as `Sampler.sample()` does.
    func sample(orSignalOn signals: Int32) throws -> Outcome {
        if running == nil {
            let started = systemStartThread { [self] in
                let taken = Result { () throws(LinuxError) -> Sample in try sampler.sample() }
                result.withLock { $0 = taken }
                withUnsafeBytes(of: UInt8(1)) { _ = systemWriteOnce(completion.write, $0) }
            }
            guard case .success(let thread) = started else {
                throw CommandFailure(ExitStatus.systemUnreadable, "Could not start the sampling thread of record.")
            }
            running = thread
        }
        while true {
            var entries = [
                pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
                pollfd(fd: completion.read, events: Int16(POLLIN), revents: 0),
            ]
            guard case .success(let ready) = systemPoll(&entries, timeout: 60_000), ready > 0 else { continue }
            if entries[0].revents != 0 {
                var byte: UInt8 = 0
                _ = withUnsafeMutableBytes(of: &byte) { systemReadOnce(signals, $0) }
                return .signal(Int32(byte))
            }
            if entries[1].revents != 0 {
                var byte: UInt8 = 0
                _ = withUnsafeMutableBytes(of: &byte) { systemReadOnce(completion.read, $0) }
                running?.join()
                running = nil
                guard
                    let taken = result.withLock({ value in
                        defer { value = nil }
                        return value
                    })
                else { continue }
                return .sample(try taken.get())
            }
        }
    }
}
