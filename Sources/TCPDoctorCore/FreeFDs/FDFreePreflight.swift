/// Whether tcpdoctor may and should ptrace a process, judged from `PtraceFacts` before trying.
///
/// The kernel answers a refused PTRACE_SEIZE with EPERM whatever the reason; reading the reasons
/// first lets the message name the one that applies and what to do about it.
public enum FDFreePreflight {
    /// The first reason not to attach, or nil when nothing stands in the way.
    ///
    /// - Parameter force: accept a seccomp-filtered process (the filter may kill it on an
    ///   injected call; tcpdoctor then reports that it exited).
    public static func refusal(_ facts: PtraceFacts, pid: Int32, force: Bool) -> FDFreeRefusal? {
        if facts.tracerPID != 0 {
            let name = facts.tracerCommand.map { " (\($0))" } ?? ""
            return FDFreeRefusal(
                .alreadyTraced,
                "process \(pid) is already traced by pid \(facts.tracerPID)\(name); a process has one tracer at a time",
                notes: ["Detach the debugger or strace from it first, then run free-fds again."]
            )
        }
        switch facts.yamaScope {
        case 3?:
            return FDFreeRefusal(
                .yama,
                "Yama forbids every ptrace attach on this host (/proc/sys/kernel/yama/ptrace_scope is 3, until reboot)",
                notes: ["free-fds needs ptrace; with scope 3 the only way out is a reboot with a lower scope."]
            )
        case 2? where !facts.hasCapSysPtrace:
            return FDFreeRefusal(
                .yama,
                "Yama allows ptrace only with CAP_SYS_PTRACE here (/proc/sys/kernel/yama/ptrace_scope is 2)",
                notes: ["Run free-fds as root, or give it CAP_SYS_PTRACE (setpriv --inh-caps=+sys_ptrace ...)."]
            )
        case 1? where !facts.hasCapSysPtrace && !facts.isDescendant:
            return FDFreeRefusal(
                .yama,
                "Yama allows ptrace only of one's own descendants without CAP_SYS_PTRACE (/proc/sys/kernel/yama/ptrace_scope is 1)",
                notes: ["Run free-fds as root, or give it CAP_SYS_PTRACE."]
            )
        default:
            break
        }
        if !facts.hasCapSysPtrace && facts.targetUIDs.contains(where: { $0 != facts.callerUID }) {
            return FDFreeRefusal(
                .permission,
                "not allowed to ptrace process \(pid): it runs as another user (uid \(facts.targetUIDs.first ?? 0)) and tcpdoctor lacks CAP_SYS_PTRACE",
                notes: ["Run free-fds as root, or as the process's user, or with CAP_SYS_PTRACE."]
            )
        }
        if facts.seccompMode != 0 && !force {
            let kind = facts.seccompMode == 1 ? "strict mode" : "a filter"
            return FDFreeRefusal(
                .seccomp,
                "process \(pid) runs under seccomp (\(kind)): an injected close, openat or dup3 it does not allow could fail or kill it with SIGSYS",
                notes: [
                    "--force tries anyway: a call the filter refuses is reported per fd; a filter that kills on it ends the process (reported)."
                ]
            )
        }
        return nil
    }
}
