import Glibc
import SystemPackage

// POSIX threads of their own, for work that must not run on a pool's worker.

/// Runs `body` on a new POSIX thread and waits for it to end.
///
/// Used to enter another network namespace without touching the caller's thread: the new
/// thread's namespace dies with it.
package func systemRunOnNewThread(_ body: () -> Void) -> Result<Void, Errno> {
    withoutActuallyEscaping(body) { escapable in
        systemStartThread(escapable).map { $0.join() }
    }
}

/// Starts `body` on a new POSIX thread; the caller must `join()` the handle.
///
/// A thread of its own, not a Dispatch worker: work that must run in parallel with the caller
/// (the fd walk beside the netlink dump) cannot wait for a pool whose width is already taken by
/// the caller's own task.
package func systemStartThread(_ body: @escaping () -> Void) -> Result<JoinableThread, Errno> {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(
        &thread,
        nil,
        { raw in
            guard let raw else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        },
        context
    )
    guard created == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(context).release()
        return .failure(Errno(rawValue: created))
    }
    return .success(JoinableThread(thread: thread))
}

/// A started POSIX thread, to be joined exactly once.
package struct JoinableThread: Sendable {
    fileprivate let thread: pthread_t

    /// Waits for the thread to end.
    package func join() {
        _ = pthread_join(thread, nil)
    }
}

/// The closure handed to a new thread. `@unchecked Sendable`: the thread that created it
/// hands it over and never touches it again; what the closure shares is the caller's to order
/// (by joining the thread).
private final class ThreadBody: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
