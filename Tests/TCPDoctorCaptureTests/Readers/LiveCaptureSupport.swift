import Foundation
import Glibc

/// Helpers for tests that record real traffic with tcpdump or dumpcap.
enum LiveCapture {
    static var isRoot: Bool { geteuid() == 0 }

    static func toolExists(_ path: String) -> Bool { access(path, X_OK) == 0 }

    static let tcpdump = "/usr/bin/tcpdump"
    static let dumpcap = "/usr/bin/dumpcap"
    static let tshark = "/usr/bin/tshark"
}

/// A capture tool run as a child process: started, waited for until it says it is capturing, and
/// stopped with SIGINT; killed in `deinit` if still running, so a failing test leaves nothing behind.
///
/// Spawned with `posix_spawn` and an empty signal mask rather than with Foundation's `Process`:
/// the test runner's threads block SIGINT, a child inherits that mask, and a tcpdump that cannot
/// see SIGINT never stops cleanly.
final class CaptureProcess {
    private var pid: pid_t = 0
    private var reaped = false
    private let errorPath: String

    /// Everything the tool wrote to stderr so far, for failure messages.
    var diagnostics: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Starts `executable` with stderr to `errorPath` and waits (up to 10 s) for `readyMarker` there.
    init(_ executable: String, _ arguments: [String], readyMarker: String, errorPath: String) throws {
        self.errorPath = errorPath
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw SocketError(call: "posix_spawn \(executable)", code: result) }
        let deadline = Date().addingTimeInterval(10)
        while !diagnostics.contains(readyMarker) {
            if hasExited() || Date() > deadline {
                throw CaptureProcessError(message: "\(executable) did not start capturing: \(diagnostics)")
            }
            usleep(10_000)
        }
    }

    /// Stops the tool with SIGINT, as a user would, and waits (up to 10 s) for it to flush and exit.
    func stop() {
        guard !reaped else { return }
        kill(pid, SIGINT)
        let deadline = Date().addingTimeInterval(10)
        while !hasExited() {
            if Date() > deadline {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                reaped = true
                return
            }
            usleep(10_000)
        }
    }

    private func hasExited() -> Bool {
        if reaped { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped = true }
        return reaped
    }

    deinit {
        if !reaped {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

struct CaptureProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A socket descriptor closed when the value goes away.
final class TestSocket {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { if fd >= 0 { close(fd) } }
}

struct SocketError: Error, CustomStringConvertible {
    var call: String
    var code: Int32 = errno
    var description: String { "\(call): \(String(cString: strerror(code)))" }
}

/// One real TCP conversation on loopback: connect, "hello" to the server, "world" back, the client
/// closes first, then the server.
enum LoopbackConversation {
    /// A listening socket on 127.0.0.1 or ::1 with a kernel-chosen port.
    static func listen(ipv6: Bool) throws -> (socket: TestSocket, port: UInt16) {
        let listener = TestSocket(
            socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        )
        guard listener.fd >= 0 else { throw SocketError(call: "socket") }
        let address = loopback(ipv6: ipv6, port: 0)
        let bound = address.withUnsafeBytes { bytes in
            bind(listener.fd, bytes.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(bytes.count))
        }
        guard bound == 0 else { throw SocketError(call: "bind") }
        guard Glibc.listen(listener.fd, 8) == 0 else { throw SocketError(call: "listen") }
        return (listener, try localPort(listener.fd))
    }

    /// Connects to `listener` and closes at once, without data; returns the probe client's port.
    ///
    /// Used to learn when a capture tool really captures: libpcap on `any` still drops ("flushes")
    /// packets for a moment after tcpdump prints "listening on".
    static func probe(listener: TestSocket, port: UInt16, ipv6: Bool) throws -> UInt16 {
        let client = TestSocket(
            socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        )
        guard client.fd >= 0 else { throw SocketError(call: "socket") }
        let address = loopback(ipv6: ipv6, port: port)
        let connected = address.withUnsafeBytes { bytes in
            connect(client.fd, bytes.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(bytes.count))
        }
        guard connected == 0 else { throw SocketError(call: "connect") }
        let server = TestSocket(accept(listener.fd, nil, nil))
        guard server.fd >= 0 else { throw SocketError(call: "accept") }
        return try localPort(client.fd)
    }

    /// Runs the conversation against `listener`; returns the client's port.
    static func run(listener: TestSocket, port: UInt16, ipv6: Bool) throws -> UInt16 {
        let client = TestSocket(
            socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        )
        guard client.fd >= 0 else { throw SocketError(call: "socket") }
        let address = loopback(ipv6: ipv6, port: port)
        let connected = address.withUnsafeBytes { bytes in
            connect(client.fd, bytes.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(bytes.count))
        }
        guard connected == 0 else { throw SocketError(call: "connect") }
        let server = TestSocket(accept(listener.fd, nil, nil))
        guard server.fd >= 0 else { throw SocketError(call: "accept") }
        try send(client.fd, "hello")
        try expect(server.fd, "hello")
        try send(server.fd, "world")
        try expect(client.fd, "world")
        // Client closes first: FIN from the client; the server reads EOF and closes in turn.
        guard shutdown(client.fd, Int32(SHUT_WR)) == 0 else { throw SocketError(call: "shutdown") }
        var byte: UInt8 = 0
        guard recv(server.fd, &byte, 1, 0) == 0 else { throw SocketError(call: "recv EOF") }
        guard shutdown(server.fd, Int32(SHUT_WR)) == 0 else { throw SocketError(call: "shutdown") }
        guard recv(client.fd, &byte, 1, 0) == 0 else { throw SocketError(call: "recv EOF") }
        return try localPort(client.fd)
    }

    private static func send(_ fd: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, 0) == bytes.count else { throw SocketError(call: "send") }
    }

    private static func expect(_ fd: Int32, _ text: String) throws {
        var buffer = [UInt8](repeating: 0, count: 64)
        var received: [UInt8] = []
        while received.count < text.utf8.count {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { throw SocketError(call: "recv") }
            received += buffer[0..<count]
        }
        guard received == Array(text.utf8) else { throw SocketError(call: "recv: unexpected bytes", code: 0) }
    }

    private static func localPort(_ fd: Int32) throws -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw SocketError(call: "getsockname") }
        // sin_port and sin6_port sit at the same offset, in network order.
        return withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
    }

    private static func loopback(ipv6: Bool, port: UInt16) -> [UInt8] {
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = in6addr_loopback
            return withUnsafeBytes(of: address) { Array($0) }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return withUnsafeBytes(of: address) { Array($0) }
    }
}
