// ptrace(2) for `free-fds`: the calls Swift cannot make (ptrace is variadic), the wait-status
// macros, and the register layout of each architecture behind one opaque shape.
//
// A target of its own rather than more of CSockDiag: CSockDiag holds the netlink and inet_diag
// headers every reader needs, while this is the one place that knows user_regs_struct, and its
// #if per architecture stays readable when nothing else is around it. No logic, no allocation.
#ifndef CPTRACE_H
#define CPTRACE_H

#ifdef __linux__
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>

/// The registers of one stopped thread: what PTRACE_GETREGSET NT_PRSTATUS gives, and on aarch64
/// the syscall number the kernel keeps apart from x8 (NT_ARM_SYSTEM_CALL), which the restart of
/// an interrupted call reads.
typedef struct {
    struct user_regs_struct regs;
#if defined(__aarch64__)
    int syscallno;
#endif
} cpt_registers;

/// PTRACE_SEIZE without options: no PTRACE_O_EXITKILL, so that a tracer that dies leaves the
/// process running. -1 and errno.
int cpt_seize(pid_t tid);
/// PTRACE_INTERRUPT: a seized thread stops with PTRACE_EVENT_STOP. -1 and errno.
int cpt_interrupt(pid_t tid);
/// PTRACE_DETACH, delivering `signal` (0 for none). -1 and errno.
int cpt_detach(pid_t tid, int signal);
/// PTRACE_SINGLESTEP, delivering `signal` (0 for none). -1 and errno.
int cpt_single_step(pid_t tid, int signal);
/// waitpid(tid, status, __WALL | (nohang ? WNOHANG : 0)). The pid, 0, or -1 and errno.
int cpt_wait(pid_t tid, int *status, int nohang);
/// PTRACE_GETREGSET NT_PRSTATUS (and NT_ARM_SYSTEM_CALL on aarch64). -1 and errno.
int cpt_get_registers(pid_t tid, cpt_registers *registers);
/// PTRACE_SETREGSET of what `cpt_get_registers` reads. -1 and errno.
int cpt_set_registers(pid_t tid, const cpt_registers *registers);
/// PTRACE_PEEKDATA of one word at `address`. -1 and errno (the word itself may be -1).
int cpt_peek(pid_t tid, uintptr_t address, uint64_t *word);
/// PTRACE_POKEDATA of one word at `address`. -1 and errno.
int cpt_poke(pid_t tid, uintptr_t address, uint64_t word);
/// process_vm_readv(2) of `length` bytes at `address` of `pid`. Bytes read, or -1 and errno.
long cpt_read_memory(pid_t pid, uintptr_t address, void *buffer, size_t length);

/// The program counter (rip, pc).
uint64_t cpt_pc(const cpt_registers *registers);
/// The stack pointer (rsp, sp).
uint64_t cpt_sp(const cpt_registers *registers);
/// The syscall the thread is in, or -1: orig_rax on x86_64, the kernel's syscallno on aarch64.
int64_t cpt_syscall_number(const cpt_registers *registers);
/// The return value register (rax, x0).
int64_t cpt_return_value(const cpt_registers *registers);
/// Sets the registers so that the next step runs syscall `number` with three arguments at
/// `instruction`, with "not in a syscall" (-1) as the current call, so that the kernel's restart
/// of an interrupted call does not rewrite them on resume.
void cpt_prepare_syscall(cpt_registers *registers, uint64_t instruction, int64_t number, uint64_t a0, uint64_t a1,
                         uint64_t a2);

/// The syscall instruction's bytes (x86_64 `syscall` 0f 05; aarch64 `svc #0` 01 00 00 d4) in
/// the low bytes of the result, in memory order; its length in `length`.
uint32_t cpt_syscall_instruction(int *length);
/// Syscall numbers of this architecture.
int64_t cpt_nr_close(void);
int64_t cpt_nr_close_range(void);
int64_t cpt_nr_dup3(void);
int64_t cpt_nr_openat(void);
/// AT_FDCWD, O_RDWR | O_CLOEXEC.
int64_t cpt_at_fdcwd(void);
int64_t cpt_open_flags_devnull(void);
/// The bytes below the stack pointer that a signal handler or a leaf function may use (the
/// x86_64 red zone), which scratch memory must stay clear of.
uint64_t cpt_red_zone(void);

/// The wait-status macros.
static inline int cpt_wifstopped(int status) { return WIFSTOPPED(status); }
static inline int cpt_wstopsig(int status) { return WSTOPSIG(status); }
static inline int cpt_wifexited(int status) { return WIFEXITED(status); }
static inline int cpt_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int cpt_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int cpt_wtermsig(int status) { return WTERMSIG(status); }
/// The PTRACE_EVENT_* of a stop (status >> 16), 0 for a plain signal stop.
static inline int cpt_wevent(int status) { return (unsigned)status >> 16; }
/// PTRACE_EVENT_STOP: the stop PTRACE_INTERRUPT and group stops report.
int cpt_event_stop(void);

#endif
#endif
