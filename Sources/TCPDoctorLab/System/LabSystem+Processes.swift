import Glibc
import SystemPackage
import TCPDoctorSystem

// The process, file and system calls of the lab (see LabSystem.swift for the rules they follow).

extension LabSystem {
    // MARK: processes

    /// A pipe with O_CLOEXEC on both ends: (read, write).
    static func pipe() throws(LabError) -> (read: Int32, write: Int32) {
        try checked("pipe2", "a role's report pipe", systemPipe())
    }

    /// posix_spawn of `executable` with `arguments` (argv[0] included).
    ///
    /// The child gets `stdin` and `stdout` as its fds 0 and 1, keeps stderr, gets each of
    /// `inherit` (source fd, target fd) and nothing else: every other fd is closed, whatever its
    /// FD_CLOEXEC flag (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34), because a test
    /// process may hold descriptors that other threads opened without it. With `newGroup` the
    /// child leads a process group of its own, so that Ctrl-C at the terminal reaches only the
    /// orchestrator, which then stops the roles in order.
    static func spawn(
        _ executable: String,
        _ arguments: [String],
        stdin: Int32,
        stdout: Int32,
        inherit: [(source: Int32, target: Int32)] = [],
        newGroup: Bool
    ) throws(LabError) -> pid_t {
        var duplicating = [(source: stdin, target: Int32(0)), (source: stdout, target: Int32(1))]
        var highest: Int32 = 2
        for (source, target) in inherit {
            duplicating.append((source, target))
            highest = max(highest, target)
        }
        switch systemSpawn(
            executable,
            arguments,
            duplicating: duplicating,
            closingFrom: highest + 1,
            newProcessGroup: newGroup
        ) {
        case .success(let pid): return pid
        case .failure(let errno):
            throw LabError(.spawn, "cannot start \(executable) (posix_spawn)", errno: errno.rawValue)
        }
    }

    /// Waits for `pid` to end and returns its wait status; nil if it is not our child.
    @discardableResult
    static func reap(_ pid: pid_t) -> Int32? {
        guard case .success(let ended) = systemWaitForChild(pid), ended.pid == pid else { return nil }
        return ended.status
    }

    /// Waits for any child to end and returns its pid; nil when there is none.
    static func reapAnyChild() -> pid_t? {
        guard case .success(let ended) = systemWaitForChild(-1), ended.pid > 0 else { return nil }
        return ended.pid
    }

    /// Whether a process with `pid` exists (signal 0).
    static func processExists(_ pid: pid_t) -> Bool {
        switch systemSignal(pid, 0) {
        case .success: true
        case .failure(let errno): errno != .noSuchProcess
        }
    }

    /// Whether `path` is a file this process may execute.
    static func isExecutable(_ path: String) -> Bool {
        if case .success = systemAccess(path, X_OK) { true } else { false }
    }

    /// The inode of the file at `path`, or nil when it cannot be reached.
    static func inode(of path: String) -> UInt64? {
        guard case .success(let status) = systemStat(path) else { return nil }
        return UInt64(status.st_ino)
    }

    /// The names in a directory, without `.` and `..`; empty when it cannot be read.
    static func directoryEntries(_ path: String) -> [String] {
        guard case .success(let names) = systemDirectoryEntries(path) else { return [] }
        return names
    }

    /// Sends `signal` to `pid`; a process that is already gone is not an error.
    static func signal(_ pid: pid_t, _ signal: Int32) {
        if pid > 0 { _ = systemSignal(pid, signal) }
    }

    /// Names the process: PR_SET_NAME for the calling thread, and `/proc/self/comm` for the
    /// main thread, whose name is the one `/proc/PID/comm` (and so tcpdoctor and ps) shows. Both,
    /// because a Swift command's code need not run on the main thread.
    static func setCommandName(_ name: String) throws(LabError) {
        try checked("prctl(PR_SET_NAME)", name, systemSetThreadName(name))
        try writeSysctl("/proc/self/comm", name)
    }

    /// Asks for SIGKILL when the parent thread exits: PR_SET_PDEATHSIG.
    static func dieWithParent() throws(LabError) {
        try checked("prctl(PR_SET_PDEATHSIG)", "SIGKILL", systemSetParentDeathSignal(SIGKILL))
    }

    /// Lowers the RLIMIT_NOFILE soft limit, keeping the hard limit.
    static func setOpenFileLimit(_ soft: Int) throws(LabError) {
        let limit = try checked("getrlimit(RLIMIT_NOFILE)", "", systemOpenFileLimit())
        try checked(
            "setrlimit(RLIMIT_NOFILE)",
            "soft limit \(soft)",
            systemSetOpenFileLimit(soft: UInt64(soft), hard: limit.hard)
        )
    }

    /// Moves the calling thread into the named network namespace (`/var/run/netns/NAME`).
    static func enterNamespace(named name: String) throws(LabError) {
        let path = "/var/run/netns/\(name)"
        let fd = try checked("open", path, systemOpenReadOnly(path))
        defer { close(fd) }
        try checked("setns(CLONE_NEWNET)", path, systemEnterNetworkNamespace(fd))
    }

    /// Writes `value` to a /proc file; for /proc/sys/net/* it acts on the caller's namespace.
    static func writeSysctl(_ path: String, _ value: String) throws(LabError) {
        let fd = try checked("open", path, systemOpen(path, flags: O_WRONLY | O_CLOEXEC))
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = try checked("write", path, bytes.withUnsafeBytes { systemWrite(fd, $0) })
        guard written == bytes.count else { throw LabError(.systemCall, "short write to \(path)") }
    }

    /// /dev/null with O_CLOEXEC, as a spawned child's standard input or output.
    static func openNullDevice(forWriting: Bool = false) throws(LabError) -> Int32 {
        try checked("open", "/dev/null", systemOpen("/dev/null", flags: (forWriting ? O_WRONLY : O_RDONLY) | O_CLOEXEC))
    }

    /// The target of a symbolic link, such as `/proc/self/exe`.
    static func readLink(_ path: String) throws(LabError) -> String {
        try checked("readlink", path, systemReadLink(path))
    }

    /// Writes one line to `fd`, whole; a failure (the reader is gone) is ignored.
    static func writeLine(_ fd: Int32, _ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { systemWrite(fd, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            guard case .success(let count) = written, count > 0 else { return }
            offset += count
        }
    }
}
