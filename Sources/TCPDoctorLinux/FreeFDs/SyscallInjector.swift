import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Runs system calls inside a stopped thread: its registers pointed at a syscall instruction,
/// one single step, the result read from the return register; `restore()` puts back every
/// register exactly as it was.
///
/// Each call runs with "no syscall" (-1) as the thread's current call (`orig_rax`, aarch64's
/// syscallno), so that the kernel's restart logic leaves the injected registers alone. The
/// saved registers keep the interrupted call's number and its -ERESTARTSYS (or
/// -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK): after the restore, the thread resumes from its
/// stop in signal delivery, where the kernel sees them and restarts the call (rewinding the pc
/// over the instruction), exactly as it would have without free-fds.
///
/// aarch64: the kernel restarts with the first argument from its private orig_x0, which the
/// injected calls overwrite and ptrace cannot set; `FDFreer` therefore injects on aarch64 only
/// into a thread that was not inside an interrupted call. Compiled there, tested on x86_64 only.
final class SyscallInjector {
    let tid: Int32
    let pid: Int32
    let saved: ThreadRegisters
    let instruction: UInt64
    /// Where the instruction was found: `current-syscall`, `vdso` or a mapping's path.
    let source: String
    private let process: StoppedProcess

    init(tid: Int32, in process: StoppedProcess) throws(FDFreeFailure) {
        self.tid = tid
        self.pid = process.pid
        self.process = process
        switch ptraceGetRegisters(tid) {
        case .success(let registers): saved = registers
        case .failure(let error):
            let step = error == .noSuchProcess ? "exit" : "registers"
            throw FDFreeFailure(step: step, message: "PTRACE_GETREGSET of thread \(tid): \(error)")
        }
        guard let (address, source) = SyscallInstructionFinder.find(pid: process.pid, tid: tid, registers: saved) else {
            throw FDFreeFailure(
                step: "instruction",
                message:
                    "found no syscall instruction in thread \(tid)'s current call, the vDSO or any executable mapping"
            )
        }
        instruction = address
        self.source = source
    }

    /// Runs syscall `number` with `arguments`; its return value (-errno on failure).
    ///
    /// - Throws: when the thread could not be stepped, or the process ended (a seccomp filter's
    ///   SIGSYS, a SIGKILL from outside).
    func call(_ number: Int64, _ arguments: [UInt64], name: String) throws(FDFreeFailure) -> Int64 {
        let prepared = saved.preparedForSyscall(number, arguments, at: instruction)
        let after = instruction + UInt64(InjectedSyscall.instruction.count)
        // A signal that arrives before the step stops the thread before the instruction runs
        // (its pc unchanged): it is kept for the detach and the step tried again.
        for _ in 0..<16 {
            if case .failure(let error) = ptraceSetRegisters(tid, prepared) {
                if error == .noSuchProcess { throw ended(name, nil) }
                throw FDFreeFailure(step: name, message: "PTRACE_SETREGSET of thread \(tid) before \(name): \(error)")
            }
            if case .failure(let error) = ptraceSingleStep(tid) {
                throw ended(name, error == .noSuchProcess ? nil : "PTRACE_SINGLESTEP: \(error)")
            }
            switch StoppedProcess.waitAfterStep(tid) {
            case .success(.stopped(let signal, _)):
                if signal != SIGTRAP { process.keep(signal: signal, for: tid) }
                guard case .success(let now) = ptraceGetRegisters(tid) else {
                    throw FDFreeFailure(step: name, message: "PTRACE_GETREGSET of thread \(tid) after \(name) failed")
                }
                if now.programCounter == after { return now.returnValue }
                if now.programCounter != instruction {
                    throw FDFreeFailure(
                        step: name,
                        message:
                            "thread \(tid) stopped at an unexpected address after \(name); its registers were restored"
                    )
                }
            case .success(.killed(let signal)):
                process.forget(tid)
                throw ended(
                    name,
                    signal == SIGSYS
                        ? "killed by SIGSYS: its seccomp filter forbids \(name)" : "killed by signal \(signal)"
                )
            case .success(.exited(let status)):
                process.forget(tid)
                throw ended(name, "exited with status \(status)")
            case .success(.running):
                throw FDFreeFailure(
                    step: "wait",
                    message:
                        "thread \(tid) did not stop after the injected \(name) within 2 s (another thread of this process may be reaping it)"
                )
            case .failure:
                process.forget(tid)
                throw ended(name, nil)
            }
        }
        throw FDFreeFailure(step: name, message: "signals kept interrupting the injected \(name) in thread \(tid)")
    }

    private func ended(_ name: String, _ how: String?) -> FDFreeFailure {
        FDFreeFailure(
            step: "exit",
            message: "process \(pid) ended during the injected \(name)" + (how.map { ": \($0)" } ?? "")
        )
    }

    /// Puts back the registers saved at the stop, and checks that they read back the same.
    func restore() throws(FDFreeFailure) {
        if case .failure(let error) = ptraceSetRegisters(tid, saved) {
            throw FDFreeFailure(step: "restore", message: "PTRACE_SETREGSET of thread \(tid): \(error)")
        }
        guard case .success(let check) = ptraceGetRegisters(tid), check.isBytewiseEqual(to: saved) else {
            throw FDFreeFailure(step: "restore", message: "thread \(tid)'s registers did not read back as saved")
        }
    }

    /// Writes `bytes` (a multiple of 8) below the red zone of the thread's stack; returns the
    /// address and the words it replaced, for `unwrite`.
    func writeScratch(_ bytes: [UInt8]) throws(FDFreeFailure) -> (address: UInt64, saved: [UInt64]) {
        let address = (saved.stackPointer - InjectedSyscall.redZone - UInt64(bytes.count) - 64) & ~15
        var old: [UInt64] = []
        for index in stride(from: 0, to: bytes.count, by: 8) {
            let at = address + UInt64(index)
            guard case .success(let word) = ptracePeek(tid, at: at) else {
                unwrite(address, old)
                throw FDFreeFailure(
                    step: "openat",
                    message: "could not read thread \(tid)'s stack at 0x\(String(at, radix: 16))"
                )
            }
            old.append(word)
            let new = bytes[index..<index + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard case .success = ptracePoke(tid, at: at, new) else {
                unwrite(address, old)
                throw FDFreeFailure(
                    step: "openat",
                    message: "could not write thread \(tid)'s stack at 0x\(String(at, radix: 16))"
                )
            }
        }
        return (address, old)
    }

    /// Puts back the words `writeScratch` replaced.
    func unwrite(_ address: UInt64, _ words: [UInt64]) {
        for (index, word) in words.enumerated() { _ = ptracePoke(tid, at: address + UInt64(index * 8), word) }
    }
}
