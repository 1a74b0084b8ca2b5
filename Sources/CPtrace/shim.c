#ifdef __linux__
#define _GNU_SOURCE
#include "CPtrace.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "free-fds knows the registers of x86_64 and aarch64 only"
#endif

#if defined(__x86_64__)
_Static_assert(offsetof(struct user_regs_struct, orig_rax) == 15 * 8, "orig_rax where the kernel puts it");
_Static_assert(offsetof(struct user_regs_struct, rip) == 16 * 8, "rip where the kernel puts it");
#elif defined(__aarch64__)
_Static_assert(offsetof(struct user_regs_struct, pc) == 32 * 8, "pc where the kernel puts it");
#endif

int cpt_seize(pid_t tid) { return (int)ptrace(PTRACE_SEIZE, tid, NULL, NULL); }
int cpt_interrupt(pid_t tid) { return (int)ptrace(PTRACE_INTERRUPT, tid, NULL, NULL); }
int cpt_detach(pid_t tid, int signal) { return (int)ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)signal); }
int cpt_single_step(pid_t tid, int signal) { return (int)ptrace(PTRACE_SINGLESTEP, tid, NULL, (void *)(long)signal); }
int cpt_wait(pid_t tid, int *status, int nohang) { return waitpid(tid, status, __WALL | (nohang ? WNOHANG : 0)); }

int cpt_get_registers(pid_t tid, cpt_registers *registers) {
    struct iovec vector = {&registers->regs, sizeof registers->regs};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &vector) == -1) return -1;
#if defined(__aarch64__)
    struct iovec number = {&registers->syscallno, sizeof registers->syscallno};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &number) == -1) return -1;
#endif
    return 0;
}

int cpt_set_registers(pid_t tid, const cpt_registers *registers) {
    struct iovec vector = {(void *)&registers->regs, sizeof registers->regs};
    if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &vector) == -1) return -1;
#if defined(__aarch64__)
    struct iovec number = {(void *)&registers->syscallno, sizeof registers->syscallno};
    if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &number) == -1) return -1;
#endif
    return 0;
}

int cpt_peek(pid_t tid, uintptr_t address, uint64_t *word) {
    errno = 0;
    long value = ptrace(PTRACE_PEEKDATA, tid, (void *)address, NULL);
    if (value == -1 && errno != 0) return -1;
    *word = (uint64_t)value;
    return 0;
}

int cpt_poke(pid_t tid, uintptr_t address, uint64_t word) {
    return (int)ptrace(PTRACE_POKEDATA, tid, (void *)address, (void *)word);
}

long cpt_read_memory(pid_t pid, uintptr_t address, void *buffer, size_t length) {
    struct iovec local = {buffer, length};
    struct iovec remote = {(void *)address, length};
    return (long)process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

#if defined(__x86_64__)
uint64_t cpt_pc(const cpt_registers *r) { return r->regs.rip; }
uint64_t cpt_sp(const cpt_registers *r) { return r->regs.rsp; }
int64_t cpt_syscall_number(const cpt_registers *r) { return (int64_t)r->regs.orig_rax; }
int64_t cpt_return_value(const cpt_registers *r) { return (int64_t)r->regs.rax; }
void cpt_prepare_syscall(cpt_registers *r, uint64_t instruction, int64_t number, uint64_t a0, uint64_t a1,
                         uint64_t a2) {
    r->regs.rip = instruction;
    r->regs.rax = (uint64_t)number;
    r->regs.orig_rax = (uint64_t)-1;
    r->regs.rdi = a0;
    r->regs.rsi = a1;
    r->regs.rdx = a2;
}
uint32_t cpt_syscall_instruction(int *length) {
    *length = 2;
    return 0x050f;
}
uint64_t cpt_red_zone(void) { return 128; }
#elif defined(__aarch64__)
uint64_t cpt_pc(const cpt_registers *r) { return r->regs.pc; }
uint64_t cpt_sp(const cpt_registers *r) { return r->regs.sp; }
int64_t cpt_syscall_number(const cpt_registers *r) { return (int64_t)r->syscallno; }
int64_t cpt_return_value(const cpt_registers *r) { return (int64_t)r->regs.regs[0]; }
void cpt_prepare_syscall(cpt_registers *r, uint64_t instruction, int64_t number, uint64_t a0, uint64_t a1,
                         uint64_t a2) {
    r->regs.pc = instruction;
    r->regs.regs[8] = (uint64_t)number;
    r->syscallno = -1;
    r->regs.regs[0] = a0;
    r->regs.regs[1] = a1;
    r->regs.regs[2] = a2;
}
uint32_t cpt_syscall_instruction(int *length) {
    *length = 4;
    return 0xd4000001;
}
uint64_t cpt_red_zone(void) { return 0; }
#endif

int64_t cpt_nr_close(void) { return SYS_close; }
// close_range(2) is 436 on every architecture (the generic table); older headers lack the name.
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
int64_t cpt_nr_close_range(void) { return SYS_close_range; }
int64_t cpt_nr_dup3(void) { return SYS_dup3; }
int64_t cpt_nr_openat(void) { return SYS_openat; }
int64_t cpt_at_fdcwd(void) { return AT_FDCWD; }
int64_t cpt_open_flags_devnull(void) { return O_RDWR | O_CLOEXEC; }
int cpt_event_stop(void) { return PTRACE_EVENT_STOP; }
#endif
