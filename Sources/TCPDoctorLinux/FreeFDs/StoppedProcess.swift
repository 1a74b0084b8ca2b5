import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Every thread of one process seized and stopped with PTRACE_INTERRUPT, until `detachAll()`.
///
/// Threads are listed from /proc/PID/task until a listing finds none that is not seized yet: a
/// running thread can start another one between the listing and its own stop. A thread that
/// stops for a signal instead of the interrupt keeps that signal, delivered again at detach, so
/// the process loses none. Without PTRACE_O_EXITKILL, a tcpdoctor that dies midway leaves the
/// process running: the kernel detaches its threads.
final class StoppedProcess {
    let pid: Int32
    /// Stopped threads and the signal each must get back at detach (0: none).
    private(set) var threads: [(tid: Int32, signal: Int32, eventStop: Bool)] = []
    let started: ContinuousClock.Instant
    private var everStopped: [Int32] = []

    /// Seizes and stops every thread of `pid`.
    ///
    /// - Parameter deadline: how long a thread may take to stop (one in uninterruptible sleep
    ///   stops only when it wakes).
    /// - Throws: `FDFreeRefusal` when the first seize is refused or the process is gone, before
    ///   anything was stopped; `FDFreeFailure` after every thread stopped so far was detached.
    init(pid: Int32, deadline: Duration = .seconds(2)) throws(FDFreeStopError) {
        self.pid = pid
        started = .now
        var seized: Set<Int32> = []
        for _ in 0..<64 {
            guard case .success(let names) = systemDirectoryEntries("/proc/\(pid)/task") else {
                detachAll()
                throw .refused(FDFreeRefusal(.exited, "process \(pid) exited before free-fds could stop it"))
            }
            let fresh = names.compactMap { Int32($0) }.filter { !seized.contains($0) }.sorted()
            if fresh.isEmpty { break }
            for tid in fresh {
                switch ptraceSeize(tid) {
                case .success:
                    seized.insert(tid)
                    if case .failure(let error) = ptraceInterrupt(tid) {
                        if error == .noSuchProcess { continue }
                        detachAll()
                        throw .failed(
                            FDFreeFailure(step: "interrupt", message: "PTRACE_INTERRUPT of thread \(tid): \(error)")
                        )
                    }
                    switch Self.waitForStop(tid, until: .now + deadline) {
                    case .stopped(let signal, let eventStop):
                        threads.append((tid, signal, eventStop))
                        everStopped.append(tid)
                    case .gone:
                        continue
                    case .timedOut:
                        threads.append((tid, 0, false))
                        detachAll()
                        throw .failed(
                            FDFreeFailure(
                                step: "wait",
                                message:
                                    "thread \(tid) did not stop within \(deadline) (in uninterruptible sleep, state D?); every thread was let go"
                            )
                        )
                    }
                case .failure(.noSuchProcess):
                    continue
                case .failure(.notPermitted) where Self.isZombie(pid: pid, tid: tid):
                    // A main thread that called pthread_exit stays listed as a zombie while the
                    // others run; it cannot be seized, and it has nothing to stop.
                    seized.insert(tid)
                    continue
                case .failure(let error):
                    detachAll()
                    if seized.isEmpty && (error == .notPermitted || error == .permissionDenied) {
                        throw .refused(
                            FDFreeRefusal(
                                .permission,
                                "the kernel refused to ptrace process \(pid) (PTRACE_SEIZE: \(error))",
                                notes: [
                                    "Run free-fds as root or with CAP_SYS_PTRACE; check /proc/sys/kernel/yama/ptrace_scope."
                                ]
                            )
                        )
                    }
                    throw .failed(FDFreeFailure(step: "seize", message: "PTRACE_SEIZE of thread \(tid): \(error)"))
                }
            }
        }
        if threads.isEmpty {
            throw .refused(FDFreeRefusal(.exited, "process \(pid) exited before free-fds could stop it"))
        }
    }

    /// Whether thread `tid` has exited (state Z or X in /proc/PID/task/TID/stat).
    private static func isZombie(pid: Int32, tid: Int32) -> Bool {
        guard let stat = ProcText.read("/proc/\(pid)/task/\(tid)/stat"), let close = stat.lastIndex(of: ")") else {
            return true
        }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state == "Z" || state == "X"
    }

    private enum Stop {
        case stopped(signal: Int32, eventStop: Bool)
        case gone
        case timedOut
    }

    private static func waitForStop(_ tid: Int32, until deadline: ContinuousClock.Instant) -> Stop {
        var pause = 1
        while true {
            switch ptraceWait(tid, block: false) {
            case .success(.running):
                if ContinuousClock.now > deadline { return .timedOut }
                systemSleep(microseconds: pause)
                pause = min(pause * 2, 1000)
            case .success(let stop):
                guard case .stopped(let signal, _) = stop else { return .gone }
                // A signal-delivery stop holds a signal the thread must still get.
                return stop.isEventStop
                    ? .stopped(signal: 0, eventStop: true) : .stopped(signal: signal, eventStop: false)
            case .failure:
                return .gone
            }
        }
    }

    /// Waits for `tid` to stop after a single step, without blocking in waitpid: a caller
    /// process whose other threads reap children (Foundation's `Process` does) can take the
    /// notification, and a blocking wait would then never return. `.running` after `deadline`.
    static func waitAfterStep(_ tid: Int32, deadline: Duration = .seconds(2)) -> Result<TraceStop, Errno> {
        let end = ContinuousClock.now + deadline
        var polls = 0
        while true {
            let result = ptraceWait(tid, block: false)
            guard case .success(.running) = result else { return result }
            polls += 1
            // The step takes microseconds: yield first, sleep only when it takes long. A blocking
            // waitpid per step kept 10,000 placeholders' process stopped 2.5 times as long
            // (BENCHMARKS.md, "First aid").
            if polls < 200 {
                systemYield()
            } else {
                if ContinuousClock.now > end { return result }
                systemSleep(microseconds: 50)
            }
        }
    }

    /// Remembers a signal that arrived while injecting on `tid`, to deliver it at detach.
    func keep(signal: Int32, for tid: Int32) {
        guard let index = threads.firstIndex(where: { $0.tid == tid }), threads[index].signal == 0 else { return }
        threads[index].signal = signal
    }

    /// Forgets a thread that has exited.
    func forget(_ tid: Int32) { threads.removeAll { $0.tid == tid } }

    /// Collects the exit notifications of threads that died while traced, so that the kernel
    /// hands their process back to its parent to reap; a thread still running answers ECHILD.
    func reapExited() {
        for tid in everStopped { _ = ptraceWait(tid, block: false) }
    }

    /// Detaches every thread (each with its kept signal); returns how long the process was stopped.
    @discardableResult
    func detachAll() -> Duration {
        for thread in threads { _ = ptraceDetach(thread.tid, signal: thread.signal) }
        threads = []
        return ContinuousClock.now - started
    }

    deinit { detachAll() }
}

/// Why stopping a process failed: refused before anything happened, or failed after.
enum FDFreeStopError: Error {
    case refused(FDFreeRefusal)
    case failed(FDFreeFailure)
}
