import Synchronization

/// Recognises a process's runtime the first time a rule asks for it, and remembers the answer.
///
/// Runtime recognition reads executables and memory maps, so the rules ask for it only when they
/// build a finding, for the processes the finding names (`DiagnosisInput.culprit(_:)`), never for
/// every socket holder. The snapshot stays as read: the answers live here.
///
/// `@unchecked Sendable`: the answers and every call of `identify` are behind one lock, so
/// `identify` never runs twice at once and need not be `Sendable` itself.
public final class RuntimeLookup: @unchecked Sendable {
    private struct State {
        var answers: [Int32: RuntimeIdentity?] = [:]
    }

    private let identify: (Int32) -> RuntimeIdentity?
    private let state = Mutex(State())

    /// - Parameter identify: The runtime of a pid, nil when it cannot be recognised.
    public init(_ identify: @escaping (Int32) -> RuntimeIdentity?) {
        self.identify = identify
    }

    /// The runtime of `pid`, recognised on the first call.
    public func runtime(of pid: Int32) -> RuntimeIdentity? {
        state.withLock { state in
            if let known = state.answers[pid] { return known }
            let answer = identify(pid)
            state.answers[pid] = answer
            return answer
        }
    }

    /// The pids whose runtimes were looked for, ascending.
    public var inspected: [Int32] { state.withLock { $0.answers.keys.sorted() } }
}
