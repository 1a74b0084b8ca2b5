import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// `free-fds` as a library: plan which leaked socket fds of a process to free, then free them
/// inside the process with ptrace, all in one stop of every thread.
public enum FDFreer {
    /// The dry run: the plan for `pid` from a fresh snapshot of its namespace, and its fd count.
    ///
    /// - Parameter deadSocketMinimumIdle: how long a socket in no table must have been idle to
    ///   count as dead (`Thresholds.deadSocketMinimumIdle`); more recent ones are refused as
    ///   unverified.
    /// - Throws: `FDFreeRefusal` when the process does not exist, may not be traced or should
    ///   not be (`FDFreePreflight`); `LinuxError` when the sockets cannot be read.
    public static func plan(
        pid: Int32,
        filter: SocketFilter = .all,
        mode: FDFreeMode = .close,
        force: Bool = false,
        deadSocketMinimumIdle: Duration = Thresholds().deadSocketMinimumIdle
    ) throws -> FDFreeReport {
        try check(pid: pid, force: force)
        let request = SnapshotRequest(namespaces: .pid(pid), deadSocketMinimumIdle: deadSocketMinimumIdle)
        let snapshot = try SnapshotReader.read(request)
        let plan = FDFreePlan.make(pid: pid, in: snapshot, filter: filter, mode: mode, force: force)
        return .dryRun(plan, command: PtraceFactsReader.command(of: pid), fds: ProcText.openFDCount(pid))
    }

    /// Refuses a process that does not exist, is tcpdoctor, or that the preflight rejects.
    public static func check(pid: Int32, force: Bool) throws(FDFreeRefusal) {
        if pid == systemOwnPID() { throw FDFreeRefusal(.ownProcess, "free-fds does not operate on tcpdoctor itself") }
        guard let facts = PtraceFactsReader.read(pid: pid) else {
            throw FDFreeRefusal(
                .noProcess,
                "no process \(pid)",
                notes: ["Check the pid: tcpdoctor sockets state close-wait lists the holders."]
            )
        }
        if let refusal = FDFreePreflight.refusal(facts, pid: pid, force: force) { throw refusal }
    }

    /// Carries out `plan`: stops every thread of the process, checks each fd still refers to the
    /// planned socket, closes it (or points it at /dev/null), restores the registers and detaches.
    ///
    /// The process is stopped once for the whole plan. Whatever fails, every thread is detached
    /// and left running; the report says which step failed and what was done before it.
    ///
    /// The calling thread becomes the tracer. A caller whose other threads reap the target's
    /// wait notifications (a target that is its own child, with Foundation's `Process` watching
    /// it) would take the stops meant for it; free-fds then fails at `wait` after 2 s and
    /// detaches, rather than hanging.
    ///
    /// - Parameter whileStopped: called once every thread has stopped, before any fd is touched
    ///   (tests use it to end the process midway).
    /// - Throws: `FDFreeRefusal` when nothing was done: the process is gone, may not be traced,
    ///   or the preflight rejects it.
    public static func act(
        _ plan: FDFreePlan,
        force: Bool = false,
        whileStopped: (() -> Void)? = nil
    ) throws(FDFreeRefusal) -> FDFreeReport {
        try check(pid: plan.pid, force: force)
        let command = PtraceFactsReader.command(of: plan.pid)
        var report = FDFreeReport(plan: plan, command: command, acted: true, outcomes: [])
        guard !plan.targets.isEmpty else {
            report.fdsBefore = ProcText.openFDCount(plan.pid)
            report.fdsAfter = report.fdsBefore
            return report
        }
        // A placeholder keeps the socket fd's close-on-exec flag (dup3 would clear it); flags of
        // a leaked fd do not change, so they are read before the stop, not inside it.
        let closeOnExec = plan.mode == .placeholder ? FDInfo.closeOnExec(pid: plan.pid, plan.targets.map(\.fd)) : []
        let process: StoppedProcess
        do {
            process = try StoppedProcess(pid: plan.pid)
        } catch {
            switch error {
            case .refused(let refusal): throw refusal
            case .failed(let failure):
                report.failure = failure
                report.outcomes = plan.targets.map { .init(target: $0, result: .notAttempted(reason: failure.message)) }
                return report
            }
        }
        report.threads = process.threads.count
        whileStopped?()
        report.fdsBefore = ProcText.openFDCount(plan.pid)
        var outcomes: [FDFreeOutcome] = []
        let held = HeldDuplicates(room: plan.targets.count)
        do {
            let injector = try SyscallInjector(tid: try injectionThread(process), in: process)
            report.instructionSource = injector.source
            defer {
                do { try injector.restore() } catch { report.failure = report.failure ?? error }
            }
            try FDFreeBatch.run(plan, injector: injector, outcomes: &outcomes, holding: held, closeOnExec: closeOnExec)
        } catch {
            report.failure = error
        }
        for target in plan.targets.dropFirst(outcomes.count) {
            outcomes.append(.init(target: target, result: .notAttempted(reason: report.failure?.message ?? "stopped")))
        }
        report.outcomes = outcomes
        report.fdsAfter = ProcText.openFDCount(plan.pid)
        report.stoppedNanoseconds = nanoseconds(process.detachAll())
        // The last references to the sockets: their teardown (a FIN each, the timers, the
        // buffers) runs here, after the process was let go, not inside its stop.
        held.closeAll()
        process.reapExited()
        // A stopped thread that answers ESRCH was killed (only SIGKILL wakes a ptrace stop):
        // give its exit a moment to finish, reaping what it leaves for the tracer.
        let killed = report.failure?.step == "exit"
        let end = ContinuousClock.now + .seconds(1)
        while killed && isAlive(plan.pid) && ContinuousClock.now < end {
            process.reapExited()
            systemSleep(microseconds: 1000)
        }
        if killed || !isAlive(plan.pid) {
            report.fdsAfter = nil
            report.failure = FDFreeFailure(
                step: "exit",
                message: "process \(plan.pid) exited during free-fds"
                    + (report.failure.map { " (at \($0.step): \($0.message))" } ?? "")
                    + "; \(outcomes.count { $0.freed }) fds had been freed before"
            )
        }
        return report
    }

    /// The thread to inject into: the main thread if it stopped for the interrupt, else the
    /// first that did (a thread stopped for a signal is left to deliver it). On aarch64, one
    /// not inside an interrupted call (see `SyscallInjector`).
    static func injectionThread(_ process: StoppedProcess) throws(FDFreeFailure) -> Int32 {
        var candidates = process.threads.filter(\.eventStop).map(\.tid).sorted {
            ($0 == process.pid ? 0 : 1, $0) < ($1 == process.pid ? 0 : 1, $1)
        }
        #if arch(arm64)
        candidates = candidates.filter {
            guard case .success(let registers) = ptraceGetRegisters($0) else { return false }
            return registers.syscallNumber < 0
        }
        #endif
        guard let tid = candidates.first else {
            throw FDFreeFailure(
                step: "registers",
                message: "no thread of process \(process.pid) is in a stop free-fds can inject into"
            )
        }
        return tid
    }

    /// Whether fd `fd` of the process `pidfd` names still refers to socket `inode`, checked
    /// through a duplicate (pidfd_getfd) and fstat: nil when it does, else the outcome to report.
    public static func sameSocket(pidfd: Int32, fd: Int32, inode: UInt64) -> FDFreeOutcome.Result? {
        let (result, duplicate) = checkedDuplicate(pidfd: pidfd, fd: fd, inode: inode)
        if let duplicate { closeDescriptor(duplicate) }
        return result
    }

    /// `sameSocket(pidfd:fd:inode:)`, keeping the duplicate when it is the planned socket.
    ///
    /// The caller closes the duplicate (nil when the check failed, and then already closed).
    static func checkedDuplicate(pidfd: Int32, fd: Int32, inode: UInt64) -> (FDFreeOutcome.Result?, Int32?) {
        switch systemDuplicate(fd: fd, ofPIDFD: pidfd) {
        case .failure(.badFileDescriptor):
            return (.changed(inode: nil), nil)
        case .failure(let error):
            return (.failed(call: "pidfd_getfd", errno: error.rawValue), nil)
        case .success(let duplicate):
            switch systemFStat(duplicate) {
            case .failure(let error):
                closeDescriptor(duplicate)
                return (.failed(call: "fstat", errno: error.rawValue), nil)
            case .success(let info):
                let isSocket = info.st_mode & S_IFMT == S_IFSOCK
                if isSocket && UInt64(info.st_ino) == inode { return (nil, duplicate) }
                closeDescriptor(duplicate)
                return (.changed(inode: UInt64(info.st_ino)), nil)
            }
        }
    }

    /// `sameSocket(pidfd:fd:inode:)` for a process by pid.
    public static func sameSocket(pid: Int32, fd: Int32, inode: UInt64) -> FDFreeOutcome.Result? {
        guard case .success(let pidfd) = systemOpenPIDFD(pid) else { return .failed(call: "pidfd_open", errno: ESRCH) }
        defer { closeDescriptor(pidfd) }
        return sameSocket(pidfd: pidfd, fd: fd, inode: inode)
    }

    /// Whether `pid` still runs: its status exists and is not a zombie's.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let status = ProcText.read("/proc/\(pid)/status") else { return false }
        let state = ProcStatusFields.parse(status)["State"] ?? ""
        return !state.hasPrefix("Z") && !state.hasPrefix("X")
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
