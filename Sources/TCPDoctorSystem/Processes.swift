import CSockDiag
import Glibc
import SystemPackage

// Processes: identity, spawning, reaping, signals to others, limits, names, namespaces, and
// descriptors borrowed from other processes.

/// `getpid(2)`.
@inlinable @inline(__always)
package func systemOwnPID() -> Int32 { Glibc.getpid() }

/// `sysconf(_SC_NPROCESSORS_ONLN)`: how many CPUs are online (-1 if unknown).
package func systemOnlineProcessorCount() -> Int {
    Glibc.sysconf(Int32(_SC_NPROCESSORS_ONLN))
}

/// `mallopt(M_ARENA_MAX, count)`: at most `count` malloc arenas for the whole process.
///
/// glibc gives threads arenas of their own, and each keeps the memory freed into it; a process
/// whose threads take turns building large values (a snapshot of 200k sockets on a sampling
/// thread, fd walks on two more) then holds several snapshots' worth of free memory. False when
/// glibc refused.
package func systemLimitMallocArenas(_ count: Int32) -> Bool {
    mallopt(M_ARENA_MAX, count) == 1
}

/// posix_spawn(3) of `executable` with `arguments` (argv[0] included) and this environment.
///
/// The child gets each of `duplicating` (source fd, target fd) in order, then every fd from
/// `closingFrom` up is closed, whatever its FD_CLOEXEC flag (`posix_spawn_file_actions_addclosefrom_np`,
/// glibc 2.34). With `newProcessGroup` the child leads a process group of its own.
package func systemSpawn(
    _ executable: String,
    _ arguments: [String],
    duplicating: [(source: Int32, target: Int32)],
    closingFrom: Int32,
    newProcessGroup: Bool
) -> Result<pid_t, Errno> {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (source, target) in duplicating {
        posix_spawn_file_actions_adddup2(&actions, source, target)
    }
    csd_spawn_file_actions_closefrom(&actions, closingFrom)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    if newProcessGroup {
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    }

    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    // posix_spawn returns the error number instead of setting errno.
    let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    guard status == 0 else { return .failure(Errno(rawValue: status)) }
    return .success(pid)
}

/// waitpid(2) without options for `pid` (-1: any child); the pid that ended and its wait status.
package func systemWaitForChild(_ pid: pid_t) -> Result<(pid: pid_t, status: Int32), Errno> {
    var status: Int32 = 0
    return valueOrErrno { waitpid(pid, &status, 0) }.map { ($0, status) }
}

/// kill(2): sends `signal` (0: only checks that `pid` exists) to `pid`.
package func systemSignal(_ pid: pid_t, _ signal: Int32) -> Result<Void, Errno> {
    valueOrErrno { kill(pid, signal) }.map { _ in () }
}

/// `prctl(PR_SET_NAME)`: names the calling thread.
package func systemSetThreadName(_ name: String) -> Result<Void, Errno> {
    valueOrErrno { csd_prctl_set_name(name) }.map { _ in () }
}

/// `prctl(PR_SET_PDEATHSIG)`: asks for `signal` when the parent thread exits.
package func systemSetParentDeathSignal(_ signal: Int32) -> Result<Void, Errno> {
    valueOrErrno { csd_prctl_set_parent_death_signal(signal) }.map { _ in () }
}

/// getrlimit(RLIMIT_NOFILE): the soft and hard limits on open descriptors.
package func systemOpenFileLimit() -> Result<(soft: UInt64, hard: UInt64), Errno> {
    var limit = rlimit()
    return valueOrErrno { getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) }.map { _ in
        (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }
}

/// setrlimit(RLIMIT_NOFILE).
package func systemSetOpenFileLimit(soft: UInt64, hard: UInt64) -> Result<Void, Errno> {
    var limit = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
    return valueOrErrno { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) }.map { _ in () }
}

/// setns(fd, CLONE_NEWNET) for the calling thread.
package func systemEnterNetworkNamespace(_ fd: Int32) -> Result<Void, Errno> {
    valueOrErrno { csd_setns_net(fd) }.map { _ in () }
}

/// A duplicate of `fd` of process `pid` (pidfd_open + pidfd_getfd, Linux 5.6); needs the
/// right to ptrace the process. The caller closes the returned descriptor.
///
/// - Returns: the duplicate, or which of the two calls failed and how.
package func systemDuplicateDescriptor(pid: Int32, fd: Int32) -> Result<Int32, SystemCallError> {
    valueOrErrno { csd_pidfd_open(pid) }.mapError { SystemCallError(call: "pidfd_open", errno: $0) }.flatMap {
        pidfd in
        defer { closeDescriptor(pidfd) }
        return valueOrErrno { csd_pidfd_getfd(pidfd, fd) }.mapError {
            SystemCallError(call: "pidfd_getfd", errno: $0)
        }
    }
}

/// `malloc_trim(0)`: gives the memory freed into malloc's heap back to the kernel, so that a
/// long-running process that dropped a large value is seen at its real size (RSS) again. False
/// when there was nothing to give back.
package func systemReturnFreeMemory() -> Bool {
    malloc_trim(0) == 1
}
