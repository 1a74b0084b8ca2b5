import CSockDiag
import Glibc

// Every raw libc call of TCPDoctorLab lives in this file. errno is read right after the call;
// EINTR is retried here and nowhere else; close() is never retried.

/// Raw system calls for the lab, each returning a value or throwing a `LabError` that names the
/// call and what it was for.
enum LabSystem {
    /// Calls `body` until it does not fail with EINTR; returns its result or throws for `call`.
    @inline(__always)
    static func retrying<T: FixedWidthInteger>(
        _ call: String,
        _ context: @autoclosure () -> String,
        _ body: () -> T
    ) throws(LabError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            if Glibc.errno != EINTR { throw LabError.system(call, context()) }
        }
    }

    /// Closes a descriptor once; Linux has released it even when close() reports EINTR.
    static func close(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    // MARK: sockets

    /// A TCP/IPv4 socket with SOCK_CLOEXEC, so that no spawned process inherits it by accident.
    static func tcpSocket() throws(LabError) -> Int32 {
        try retrying("socket", "a TCP socket") {
            Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
    }

    /// A listener on 127.0.0.1:`port` (0: the kernel picks), with SO_REUSEADDR so that a rerun
    /// can bind a port whose earlier connections are still in TIME_WAIT.
    static func listen(port: UInt16, backlog: Int32) throws(LabError) -> Int32 {
        let fd = try tcpSocket()
        do {
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = loopback(port: port)
            _ = try retrying("bind", "127.0.0.1:\(port)") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            _ = try retrying("listen", "127.0.0.1:\(port)") { Glibc.listen(fd, backlog) }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// The local port of a bound socket (`getsockname`).
    static func localPort(_ fd: Int32) throws(LabError) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = try retrying("getsockname", "fd \(fd)") {
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// accept(2), then FD_CLOEXEC; the errno (EMFILE above all) is in the thrown error.
    ///
    /// Not accept4: glibc declares it only under _GNU_SOURCE. The gap before FD_CLOEXEC is
    /// harmless here because a role process spawns only from the thread that accepts.
    static func accept(_ listener: Int32) throws(LabError) -> Int32 {
        let fd = try retrying("accept", "listener fd \(listener)") { Glibc.accept(listener, nil, nil) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// A new socket connected to 127.0.0.1:`port`; EADDRNOTAVAIL when no local port is free.
    static func connect(port: UInt16) throws(LabError) -> Int32 {
        let fd = try tcpSocket()
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result == 0 { return fd }
        let error = LabError.system("connect", "127.0.0.1:\(port)")
        close(fd)
        throw error
    }

    /// A new non-blocking socket whose connection to `host`:`port` (127.0.0.1 unless given, in
    /// host byte order) has started (EINPROGRESS): the handshake goes on without the caller, who
    /// can poll for POLLOUT.
    static func startConnect(address host: UInt32 = 0x7f00_0001, port: UInt16) throws(LabError) -> Int32 {
        let fd = try tcpSocket()
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = loopback(port: port)
        address.sin_addr.s_addr = host.bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result == 0 || Glibc.errno == EINPROGRESS { return fd }
        let error = LabError.system("connect", "\(dottedQuad(host)):\(port)")
        close(fd)
        throw error
    }

    /// Throws the error a started connection ended with (SO_ERROR), if any.
    static func checkConnected(_ fd: Int32, port: UInt16) throws(LabError) {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try retrying("getsockopt", "SO_ERROR of fd \(fd)") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) }
        guard error != 0 else { return }
        throw LabError(.systemCall, "connect failed (127.0.0.1:\(port))", errno: error)
    }

    /// Sends all of `bytes` (MSG_NOSIGNAL: a closed peer is an error, not a SIGPIPE).
    static func send(_ fd: Int32, _ bytes: [UInt8]) throws(LabError) {
        var offset = 0
        while offset < bytes.count {
            let sent = try retrying("send", "fd \(fd)") {
                bytes.withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
                }
            }
            offset += sent
        }
    }

    /// Reads exactly `count` bytes; fewer means the peer closed first.
    static func receive(_ fd: Int32, exactly count: Int) throws(LabError) -> Int {
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        var total = 0
        while total < count {
            let got = try retrying("recv", "fd \(fd)") {
                buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress! + total, count - total, 0) }
            }
            if got == 0 { break }
            total += got
        }
        return total
    }

    /// Reads and discards until EOF (read() == 0); returns how many bytes came before it.
    static func drain(_ fd: Int32) throws(LabError) -> Int {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while true {
            let got = try retrying("recv", "fd \(fd)") {
                buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            }
            if got == 0 { return total }
            total += got
        }
    }

    /// What a read that must not block found.
    enum ReadResult: Equatable {
        /// This many bytes (more than 0).
        case bytes(Int)
        /// End of file: the peer closed, or the pipe's writers are gone.
        case endOfFile
        /// Nothing yet (EAGAIN) or interrupted (EINTR): wait and try again.
        case nothingYet
    }

    /// One read(2), or recv(2) with MSG_DONTWAIT for a socket, into `buffer`, that never blocks
    /// on a socket and never throws for EAGAIN or EINTR.
    static func readNow(_ fd: Int32, into buffer: inout [UInt8], socket: Bool) throws(LabError) -> ReadResult {
        let got = buffer.withUnsafeMutableBytes {
            socket
                ? Glibc.recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                : Glibc.read(fd, $0.baseAddress, $0.count)
        }
        if got > 0 { return .bytes(got) }
        if got == 0 { return .endOfFile }
        let error = Glibc.errno
        if error == EAGAIN || error == EINTR { return .nothingYet }
        throw LabError(.systemCall, "\(socket ? "recv" : "read") failed (fd \(fd))", errno: error)
    }

    /// Writes one byte (a go-ahead on a lifeline).
    static func writeByte(_ fd: Int32, _ byte: UInt8) throws(LabError) {
        var value = byte
        _ = try retrying("write", "fd \(fd)") { Glibc.write(fd, &value, 1) }
    }

    /// SO_LINGER with a zero timeout: close() then sends an RST instead of a FIN.
    static func setAbortOnClose(_ fd: Int32) throws(LabError) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = try retrying("setsockopt(SO_LINGER)", "fd \(fd)") {
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
    }

    /// `10.77.0.2` for 0x0A4D0002.
    private static func dottedQuad(_ host: UInt32) -> String {
        [24, 16, 8, 0].map { String((host >> UInt32($0)) & 0xff) }.joined(separator: ".")
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    // MARK: waiting

    /// `POLLRDHUP` (Linux 2.6.17): the peer shut down its writing side, so its FIN has arrived.
    /// glibc declares it only under _GNU_SOURCE, which Swift's Glibc module is built without.
    static let pollReadHangUp: Int16 = 0x2000

    /// poll(2) on `fds`; `timeout` in milliseconds, -1 for none. Returns the revents per fd.
    static func poll(_ fds: [Int32], events: Int16, timeout: Int32) throws(LabError) -> [Int16] {
        var entries = fds.map { pollfd(fd: $0, events: events, revents: 0) }
        _ = try retrying("poll", "\(fds.count) descriptors") {
            Glibc.poll(&entries, nfds_t(entries.count), timeout)
        }
        return entries.map(\.revents)
    }

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
