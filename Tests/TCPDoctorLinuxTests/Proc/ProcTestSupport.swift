import Foundation
import Glibc
import Testing

/// Helpers for the live /proc tests: real sockets, real child processes, fixture files.
enum ProcTestSupport {
    static let isRoot = geteuid() == 0
    /// Whether this kernel has IPv6 (it can be disabled at boot, which removes /proc/net/tcp6).
    static let hasIPv6 = access("/proc/net/tcp6", F_OK) == 0

    /// The bytes of a fixture under Fixtures/proc.
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/proc"),
            "fixture \(name) is missing"
        )
        return try [UInt8](Data(contentsOf: url))
    }

    /// The inode of the socket behind `fd` (what `/proc/PID/fd/N` names `socket:[INODE]`).
    static func inode(of fd: Int32) throws -> UInt64 {
        var info = stat()
        try #require(fstat(fd, &info) == 0, "fstat(\(fd)) failed: errno \(errno)")
        return UInt64(info.st_ino)
    }
}

/// A TCP socket on loopback, closed in `deinit`; close-on-exec so no other test's child
/// inherits it by accident.
final class ProcTestSocket {
    let fd: Int32

    /// A socket of `family` (`AF_INET` or `AF_INET6`), not bound.
    init(family: Int32 = AF_INET) throws {
        fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0, "socket() failed: errno \(errno)")
    }

    deinit { close(fd) }

    /// Binds to 127.0.0.1 (or ::1) on an ephemeral port and listens; returns the port.
    @discardableResult
    func listenOnLoopback(family: Int32 = AF_INET) throws -> UInt16 {
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
            try #require(bound == 0, "bind failed: errno \(errno)")
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(bound == 0, "bind failed: errno \(errno)")
        }
        try #require(listen(fd, 16) == 0, "listen failed: errno \(errno)")
        return try localPort()
    }

    func localPort() throws -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        try #require(result == 0, "getsockname failed: errno \(errno)")
        // sin_port and sin6_port sit at the same offset, in network byte order.
        return withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
    }

    /// Connects to 127.0.0.1:`port`; returns whether the connection was made.
    func connectToLoopback(port: UInt16) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// Connects to [::1]:`port`; returns whether the connection was made.
    func connectToLoopback6(port: UInt16) -> Bool {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        address.sin6_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        } == 0
    }

    func inode() throws -> UInt64 { try ProcTestSupport.inode(of: fd) }
}

/// A child process (by default `/bin/sleep`) that may hold some of our fds; killed and reaped in
/// `deinit`.
final class SpawnedChild {
    let pid: pid_t
    private let expectedCommand: String
    private var reaped = false

    /// Spawns `argv` (by default `/bin/sleep 300`) with each `inherit.fd` duplicated to
    /// `inherit.as` in the child.
    ///
    /// - Parameter command: The `comm` the child has once it runs what it should (after any
    ///   `exec` by a wrapper such as `ip netns exec`).
    init(
        _ argv: [String] = ["/bin/sleep", "300"],
        command: String = "sleep",
        inheriting fds: [(fd: Int32, as: Int32)] = []
    ) throws {
        expectedCommand = command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 to a different number clears close-on-exec on the copy only.
        for (fd, target) in fds { posix_spawn_file_actions_adddup2(&actions, fd, target) }
        let arguments: [UnsafeMutablePointer<CChar>?] = argv.map { text in
            text.withCString { Glibc.strdup($0) }
        }
        defer { for argument in arguments { free(argument) } }
        var cArguments = arguments + [nil]
        var child: pid_t = 0
        let status = posix_spawn(&child, argv[0], &actions, nil, &cArguments, environ)
        try #require(status == 0, "posix_spawn failed: \(status)")
        pid = child
    }

    /// Kills and reaps the child; afterwards its pid is gone from /proc.
    func terminate() {
        guard !reaped else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        reaped = true
    }

    /// Waits until the child runs its command (its comm is the expected one), at most ~5 s.
    func waitUntilExecuted() throws {
        for _ in 0..<500 {
            if let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                comm == expectedCommand + "\n"
            {
                return
            }
            usleep(10_000)
        }
        Issue.record("child \(pid) never became \(expectedCommand)")
    }

    /// Waits until the child sleeps in `clock_nanosleep` (or `nanosleep`), as `/proc/PID/syscall`
    /// shows: from then on its fd table stays as it is. Just after `exec` (what
    /// `waitUntilExecuted` waits for) the dynamic loader and `sleep` itself still open and close
    /// files for a moment.
    func waitUntilAsleep() throws {
        try waitUntilExecuted()
        for _ in 0..<500 {
            if let syscall = try? String(contentsOfFile: "/proc/\(pid)/syscall", encoding: .utf8),
                let number = syscall.split(separator: " ").first,
                number == "230" || number == "35"
            {
                return
            }
            usleep(10_000)
        }
        Issue.record("child \(pid) never went to sleep")
    }

    deinit { terminate() }
}
