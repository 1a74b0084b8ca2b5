import Foundation

/// Runs blocking work (socket reads, waits for processes, polling loops) on a thread of its own,
/// never on the concurrency pool.
///
/// The pool has one thread per core, two here, and every test of the run shares it: a test
/// blocked in read() or usleep() on a pool thread starves the in-process servers other tests
/// talk to, and could even starve the very request it waits for.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
