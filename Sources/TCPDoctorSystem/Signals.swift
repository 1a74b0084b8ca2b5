import Glibc
import SystemPackage

// Signal handling of the calling process.

/// Unblocks `signals` for the calling thread (pthread_sigmask SIG_UNBLOCK).
///
/// A process inherits the signal mask of the thread that spawned it, so a signal can arrive
/// blocked from a parent.
package func systemUnblockSignals(_ signals: [Int32]) -> Result<Void, Errno> {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    // pthread_sigmask returns the error number instead of setting errno.
    let status = pthread_sigmask(SIG_UNBLOCK, &set, nil)
    return status == 0 ? .success(()) : .failure(Errno(rawValue: status))
}

/// sigaction(2): installs `handler` for `signal` with an empty mask.
///
/// - Parameters:
///   - restart: SA_RESTART, so that slow calls the signal interrupts go on instead of failing
///     with EINTR.
///   - handler: runs in signal context: async-signal-safe calls only.
package func systemSetSignalHandler(
    _ signal: Int32,
    restart: Bool,
    _ handler: @convention(c) (Int32) -> Void
) -> Result<Void, Errno> {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handler
    action.sa_flags = restart ? SA_RESTART : 0
    sigemptyset(&action.sa_mask)
    return valueOrErrno { sigaction(signal, &action, nil) }.map { _ in () }
}
