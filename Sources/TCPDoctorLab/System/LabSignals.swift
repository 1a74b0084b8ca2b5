import Glibc
import Synchronization
import TCPDoctorSystem

/// The write end of the self-pipe that signal handlers write to; -1 until installed.
private let signalPipeWriter = Atomic<Int32>(-1)

/// SIGINT, SIGTERM and SIGHUP turned into bytes on a pipe, so that a lab can wait for them with
/// poll(2) next to its roles' report pipes and clean up in ordinary code.
///
/// The handler does the only async-signal-safe thing there is to do: write the signal number
/// to the pipe. Installed once per process; later calls return the same pipe. A command installs
/// them before it starts a lab, so that a signal that arrives while the lab is being set up or
/// printed is not lost to the default action (which would kill the command and leave its roles
/// to die by PR_SET_PDEATHSIG, unreaped); `RunningLab.hold` installs them too.
public enum LabSignals {
    /// The signals that stop a holding lab.
    public static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private static let reader = Mutex<Int32>(-1)

    /// Installs the handlers (once) and returns the read end of the signal pipe.
    @discardableResult
    public static func install() throws(LabError) -> Int32 {
        let existing = reader.withLock { $0 }
        if existing >= 0 { return existing }
        let pipe = try LabSystem.pipe()
        _ = systemSetNonBlocking(pipe.write)
        signalPipeWriter.store(pipe.write, ordering: .sequentiallyConsistent)
        // A parent may start us with these signals blocked: a process inherits the signal mask
        // of the thread that spawned it, and the worker threads of Swift's concurrency runtime
        // (a test runner's, say) block nearly all signals. Blocked, they would stay pending and
        // a holding lab would never stop.
        _ = systemUnblockSignals(handled)
        for signal in handled {
            _ = systemSetSignalHandler(signal, restart: true) { number in
                withUnsafeBytes(of: UInt8(truncatingIfNeeded: number)) {
                    _ = systemWriteOnce(signalPipeWriter.load(ordering: .relaxed), $0)
                }
            }
        }
        reader.withLock { $0 = pipe.read }
        return pipe.read
    }
}
