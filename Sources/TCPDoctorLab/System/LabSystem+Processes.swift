import CSockDiag
import Glibc

// The process, file and system calls of the lab (see LabSystem.swift for the rules they follow).

extension LabSystem {
    // MARK: processes

    /// A pipe with O_CLOEXEC on both ends: (read, write).
    static func pipe() throws(LabError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try retrying("pipe2", "a role's report pipe") { csd_pipe_cloexec(&fds) }
        return (fds[0], fds[1])
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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        var highest: Int32 = 2
        for (source, target) in inherit {
            posix_spawn_file_actions_adddup2(&actions, source, target)
            highest = max(highest, target)
        }
        csd_spawn_file_actions_closefrom(&actions, highest + 1)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        }

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw LabError(.spawn, "cannot start \(executable) (posix_spawn)", errno: status)
        }
        return pid
    }

    /// Waits for `pid` to end and returns its wait status; nil if it is not our child.
    @discardableResult
    static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while true {
            if waitpid(pid, &status, 0) == pid { return status }
            if Glibc.errno != EINTR { return nil }
        }
    }

    /// Waits for any child to end and returns its pid; nil when there is none.
    static func reapAnyChild() -> pid_t? {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, 0)
            if pid > 0 { return pid }
            if Glibc.errno != EINTR { return nil }
        }
    }

    /// Whether a process with `pid` exists (signal 0).
    static func processExists(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || Glibc.errno != ESRCH
    }

    /// Whether `path` is a file this process may execute.
    static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0
    }

    /// The inode of the file at `path`, or nil when it cannot be reached.
    static func inode(of path: String) -> UInt64? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return UInt64(status.st_ino)
    }

    /// The names in a directory, without `.` and `..`; empty when it cannot be read.
    static func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Sends `signal` to `pid`; a process that is already gone is not an error.
    static func signal(_ pid: pid_t, _ signal: Int32) {
        if pid > 0 { _ = kill(pid, signal) }
    }

    /// Names the process: PR_SET_NAME for the calling thread, and `/proc/self/comm` for the
    /// main thread, whose name is the one `/proc/PID/comm` (and so tcpdoctor and ps) shows. Both,
    /// because a Swift command's code need not run on the main thread.
    static func setCommandName(_ name: String) throws(LabError) {
        _ = try retrying("prctl(PR_SET_NAME)", name) { csd_prctl_set_name(name) }
        try writeSysctl("/proc/self/comm", name)
    }

    /// Asks for SIGKILL when the parent thread exits: PR_SET_PDEATHSIG.
    static func dieWithParent() throws(LabError) {
        _ = try retrying("prctl(PR_SET_PDEATHSIG)", "SIGKILL") { csd_prctl_set_parent_death_signal(SIGKILL) }
    }

    /// Lowers the RLIMIT_NOFILE soft limit, keeping the hard limit.
    static func setOpenFileLimit(_ soft: Int) throws(LabError) {
        var limit = rlimit()
        _ = try retrying("getrlimit(RLIMIT_NOFILE)", "") { getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) }
        limit.rlim_cur = rlim_t(soft)
        _ = try retrying("setrlimit(RLIMIT_NOFILE)", "soft limit \(soft)") {
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }

    /// Moves the calling thread into the named network namespace (`/var/run/netns/NAME`).
    static func enterNamespace(named name: String) throws(LabError) {
        let path = "/var/run/netns/\(name)"
        let fd = try retrying("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        _ = try retrying("setns(CLONE_NEWNET)", path) { csd_setns_net(fd) }
    }

    /// Writes `value` to a /proc file; for /proc/sys/net/* it acts on the caller's namespace.
    static func writeSysctl(_ path: String, _ value: String) throws(LabError) {
        let fd = try retrying("open", path) { open(path, O_WRONLY | O_CLOEXEC) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = try retrying("write", path) {
            bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }
        guard written == bytes.count else { throw LabError(.systemCall, "short write to \(path)") }
    }

    /// /dev/null with O_CLOEXEC, as a spawned child's standard input or output.
    static func openNullDevice(forWriting: Bool = false) throws(LabError) -> Int32 {
        try retrying("open", "/dev/null") { open("/dev/null", (forWriting ? O_WRONLY : O_RDONLY) | O_CLOEXEC) }
    }

    /// The target of a symbolic link, such as `/proc/self/exe`.
    static func readLink(_ path: String) throws(LabError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = try retrying("readlink", path) { readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes one line to `fd`, whole; a failure (the reader is gone) is ignored.
    static func writeLine(_ fd: Int32, _ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && Glibc.errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
