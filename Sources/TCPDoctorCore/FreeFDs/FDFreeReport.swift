/// What `free-fds` planned, did and measured for one process.
public struct FDFreeReport: Hashable, Sendable {
    public var plan: FDFreePlan
    /// The process's command name (comm), when it could be read.
    public var command: String?
    /// False for a dry run (no `--yes`): nothing was stopped or changed.
    public var acted: Bool
    /// One per planned target, in the plan's order.
    public var outcomes: [FDFreeOutcome]
    /// Open fds of the process (`stat /proc/PID/fd` st_size), before and after, counted while it
    /// was stopped; nil when not measured (a dry run has only `fdsBefore`).
    public var fdsBefore: Int?
    public var fdsAfter: Int?
    /// How long the process was stopped, from the first PTRACE_INTERRUPT to the last detach.
    public var stoppedNanoseconds: Int64?
    /// Threads stopped.
    public var threads: Int
    /// Where the syscall instruction came from: `current-syscall`, `vdso`, or a mapping's path.
    public var instructionSource: String?
    /// The step that failed, if one did; the process was detached and left running.
    public var failure: FDFreeFailure?

    public init(
        plan: FDFreePlan,
        command: String? = nil,
        acted: Bool,
        outcomes: [FDFreeOutcome],
        fdsBefore: Int? = nil,
        fdsAfter: Int? = nil,
        stoppedNanoseconds: Int64? = nil,
        threads: Int = 0,
        instructionSource: String? = nil,
        failure: FDFreeFailure? = nil
    ) {
        self.plan = plan
        self.command = command
        self.acted = acted
        self.outcomes = outcomes
        self.fdsBefore = fdsBefore
        self.fdsAfter = fdsAfter
        self.stoppedNanoseconds = stoppedNanoseconds
        self.threads = threads
        self.instructionSource = instructionSource
        self.failure = failure
    }

    /// A dry run's report: every target planned.
    public static func dryRun(_ plan: FDFreePlan, command: String?, fds: Int?) -> FDFreeReport {
        FDFreeReport(
            plan: plan,
            command: command,
            acted: false,
            outcomes: plan.targets.map { FDFreeOutcome(target: $0, result: .planned) },
            fdsBefore: fds
        )
    }

    public var freedCount: Int { outcomes.count { $0.freed } }

    /// Whether every planned fd was freed (vacuously true for an empty plan).
    public var isComplete: Bool { failure == nil && outcomes.allSatisfy { $0.freed || $0.result == .planned } }

    /// The risk of what was done, for whoever reads the report.
    public static let risk =
        "The application still believes it owns these fd numbers: first aid, not the fix. "
        + "With close, a later close(fd) of its own may close a file it opened since under the same number; "
        + "with --placeholder the number stays taken by /dev/null. Fix the code that leaks (tcpdoctor doctor says where)."
}

/// A step of `free-fds` that failed after the process was stopped; it was detached and resumed.
public struct FDFreeFailure: Hashable, Sendable, Error {
    /// The step: `seize`, `interrupt`, `wait`, `registers`, `instruction`, `check`, `openat`,
    /// `close`, `dup3`, `restore`, `detach`, `exit`.
    public var step: String
    public var message: String

    public init(step: String, message: String) {
        self.step = step
        self.message = message
    }
}
