import CPtrace
import CSockDiag
import Glibc
import SystemPackage

// ptrace(2) for `free-fds`: seize, interrupt, wait, registers, single steps, memory, detach.
// The architecture's registers stay behind `ThreadRegisters`; CPtrace holds their layout.

/// The registers of one stopped thread, as PTRACE_GETREGSET gives them.
package struct ThreadRegisters: Sendable {
    fileprivate var raw: cpt_registers

    /// The program counter (`rip`, `pc`).
    package var programCounter: UInt64 { withUnsafePointer(to: raw) { cpt_pc($0) } }
    /// The stack pointer (`rsp`, `sp`).
    package var stackPointer: UInt64 { withUnsafePointer(to: raw) { cpt_sp($0) } }
    /// The syscall the thread was in when it stopped (`orig_rax`, aarch64's syscallno), or -1.
    package var syscallNumber: Int64 { withUnsafePointer(to: raw) { cpt_syscall_number($0) } }
    /// The return value register (`rax`, `x0`): after an injected call, its result or -errno.
    package var returnValue: Int64 { withUnsafePointer(to: raw) { cpt_return_value($0) } }

    /// These registers set to run syscall `number` with `arguments` at `instruction`.
    package func preparedForSyscall(_ number: Int64, _ arguments: [UInt64], at instruction: UInt64) -> ThreadRegisters {
        var copy = self
        let a = arguments + [0, 0, 0]
        cpt_prepare_syscall(&copy.raw, instruction, number, a[0], a[1], a[2])
        return copy
    }

    /// Whether every byte of both register sets is the same (a restore is checked with it).
    package func isBytewiseEqual(to other: ThreadRegisters) -> Bool {
        withUnsafeBytes(of: raw) { left in withUnsafeBytes(of: other.raw) { right in left.elementsEqual(right) } }
    }
}

/// This architecture's syscall instruction and the numbers of the calls `free-fds` injects.
package enum InjectedSyscall {
    /// The instruction's bytes in memory order (`0f 05`, `01 00 00 d4`).
    package static let instruction: [UInt8] = {
        var length: Int32 = 0
        let word = cpt_syscall_instruction(&length)
        return (0..<Int(length)).map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) }
    }()
    package static let close = cpt_nr_close()
    package static let closeRange = cpt_nr_close_range()
    package static let dup3 = cpt_nr_dup3()
    package static let openat = cpt_nr_openat()
    package static let currentDirectory = cpt_at_fdcwd()
    package static let openFlagsForDevNull = cpt_open_flags_devnull()
    package static let redZone = cpt_red_zone()
}

/// How a traced thread was found by waitpid(2).
package enum TraceStop: Equatable, Sendable {
    /// Stopped: `signal` is the stop's signal, `event` its PTRACE_EVENT_* (0 for a signal stop).
    case stopped(signal: Int32, event: Int32)
    case exited(status: Int32)
    case killed(signal: Int32)
    /// WNOHANG, and nothing to report yet.
    case running

    /// A stop that PTRACE_INTERRUPT (or a group stop) caused, rather than a signal to deliver.
    package var isEventStop: Bool {
        if case .stopped(_, let event) = self { return event == cpt_event_stop() }
        return false
    }
}

/// PTRACE_SEIZE of one thread, without PTRACE_O_EXITKILL.
package func ptraceSeize(_ tid: Int32) -> Result<Void, Errno> {
    valueOrErrno { cpt_seize(tid) }.map { _ in () }
}

/// PTRACE_INTERRUPT of a seized thread.
package func ptraceInterrupt(_ tid: Int32) -> Result<Void, Errno> {
    valueOrErrno { cpt_interrupt(tid) }.map { _ in () }
}

/// PTRACE_DETACH, delivering `signal` (0: none).
package func ptraceDetach(_ tid: Int32, signal: Int32 = 0) -> Result<Void, Errno> {
    valueOrErrno { cpt_detach(tid, signal) }.map { _ in () }
}

/// PTRACE_SINGLESTEP, delivering no signal.
package func ptraceSingleStep(_ tid: Int32) -> Result<Void, Errno> {
    valueOrErrno { cpt_single_step(tid, 0) }.map { _ in () }
}

/// waitpid(2) with __WALL for one traced thread; with `block` false, WNOHANG.
package func ptraceWait(_ tid: Int32, block: Bool) -> Result<TraceStop, Errno> {
    var status: Int32 = 0
    return valueOrErrno { cpt_wait(tid, &status, block ? 0 : 1) }.map { pid in
        if pid == 0 { return .running }
        if cpt_wifstopped(status) != 0 { return .stopped(signal: cpt_wstopsig(status), event: cpt_wevent(status)) }
        if cpt_wifsignaled(status) != 0 { return .killed(signal: cpt_wtermsig(status)) }
        return .exited(status: cpt_wexitstatus(status))
    }
}

/// PTRACE_GETREGSET of a stopped thread.
package func ptraceGetRegisters(_ tid: Int32) -> Result<ThreadRegisters, Errno> {
    var raw = cpt_registers()
    return valueOrErrno { cpt_get_registers(tid, &raw) }.map { _ in ThreadRegisters(raw: raw) }
}

/// PTRACE_SETREGSET of a stopped thread.
package func ptraceSetRegisters(_ tid: Int32, _ registers: ThreadRegisters) -> Result<Void, Errno> {
    var raw = registers.raw
    return valueOrErrno { cpt_set_registers(tid, &raw) }.map { _ in () }
}

/// PTRACE_PEEKDATA: one word of a stopped thread's memory.
package func ptracePeek(_ tid: Int32, at address: UInt64) -> Result<UInt64, Errno> {
    var word: UInt64 = 0
    return valueOrErrno { cpt_peek(tid, UInt(address), &word) }.map { _ in word }
}

/// PTRACE_POKEDATA: writes one word of a stopped thread's memory.
package func ptracePoke(_ tid: Int32, at address: UInt64, _ word: UInt64) -> Result<Void, Errno> {
    valueOrErrno { cpt_poke(tid, UInt(address), word) }.map { _ in () }
}

/// process_vm_readv(2): up to `count` bytes of another process's memory at `address`.
package func systemReadProcessMemory(pid: Int32, at address: UInt64, count: Int) -> Result<[UInt8], Errno> {
    var bytes = [UInt8](repeating: 0, count: count)
    return bytes.withUnsafeMutableBytes { buffer in
        valueOrErrno { cpt_read_memory(pid, UInt(address), buffer.baseAddress, count) }
    }.map { Array(bytes.prefix($0)) }
}

/// pidfd_open(2) of `pid`: a descriptor that names the process, for `systemDuplicate(fd:of:)`.
package func systemOpenPIDFD(_ pid: Int32) -> Result<Int32, Errno> {
    valueOrErrno { csd_pidfd_open(pid) }
}

/// pidfd_getfd(2): a duplicate (O_CLOEXEC) of descriptor `fd` of the process `pidfd` names.
package func systemDuplicate(fd: Int32, ofPIDFD pidfd: Int32) -> Result<Int32, Errno> {
    valueOrErrno { csd_pidfd_getfd(pidfd, fd) }
}

/// Sleeps about `microseconds` (nanosleep(2)); for polling a thread that has not stopped yet.
package func systemSleep(microseconds: Int) {
    var request = timespec(tv_sec: microseconds / 1_000_000, tv_nsec: (microseconds % 1_000_000) * 1000)
    _ = nanosleep(&request, nil)
}

/// geteuid(2).
package func systemEffectiveUID() -> UInt32 { geteuid() }

/// sched_yield(2): lets the thread that is about to stop run.
package func systemYield() { _ = sched_yield() }
