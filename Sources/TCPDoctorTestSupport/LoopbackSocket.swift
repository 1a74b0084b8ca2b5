import Glibc

/// A real TCP socket on loopback for tests, closed when the value goes away.
///
/// Tests drive real kernel sockets into each state (ESTABLISHED, CLOSE_WAIT, FIN_WAIT2,
/// TIME_WAIT) instead of mocking the kernel.
public final class LoopbackSocket {
    public private(set) var fd: Int32

    init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// Closes the descriptor now (idempotent).
    public func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// A listener on `127.0.0.1` (or `::1`) on a kernel-chosen port.
    public static func listen(ipv6: Bool = false, backlog: Int32 = 128) throws -> LoopbackSocket {
        let socket = try make(ipv6: ipv6)
        var one: Int32 = 1
        setsockopt(socket.fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        try withLoopbackAddress(ipv6: ipv6, port: 0) { address, length in
            try check(bind(socket.fd, address, length), "bind")
        }
        try check(Glibc.listen(socket.fd, backlog), "listen")
        return socket
    }

    /// A client connected to `port` on loopback.
    public static func connect(to port: UInt16, ipv6: Bool = false) throws -> LoopbackSocket {
        let socket = try make(ipv6: ipv6)
        try withLoopbackAddress(ipv6: ipv6, port: port) { address, length in
            try check(Glibc.connect(socket.fd, address, length), "connect")
        }
        return socket
    }

    /// Accepts one pending connection.
    public func accept() throws -> LoopbackSocket {
        let accepted = Glibc.accept(fd, nil, nil)
        try check(accepted, "accept")
        _ = fcntl(accepted, F_SETFD, FD_CLOEXEC)
        return LoopbackSocket(fd: accepted)
    }

    /// The local port (`getsockname`).
    public var port: UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return withUnsafeBytes(of: storage) { bytes in
            // sin_port and sin6_port both sit at offset 2, big-endian.
            UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        }
    }

    /// The socket's inode, as `/proc/PID/fd` shows it in `socket:[INODE]`.
    public var inode: UInt64 {
        var status = stat()
        fstat(fd, &status)
        return UInt64(status.st_ino)
    }

    public func send(_ text: String) throws {
        var bytes = Array(text.utf8)
        let sent = Glibc.send(fd, &bytes, bytes.count, Int32(MSG_NOSIGNAL))
        try check(Int32(sent), "send")
    }

    /// Reads what is available (up to `limit` bytes); returns an empty array at EOF.
    public func receive(limit: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = Glibc.recv(fd, &buffer, limit, 0)
        try check(Int32(count), "recv")
        return Array(buffer.prefix(count))
    }

    /// `shutdown(SHUT_WR)`: sends our FIN and keeps the socket open.
    public func shutdownWrite() throws {
        try check(Glibc.shutdown(fd, Int32(SHUT_WR)), "shutdown")
    }

    /// Sets SO_LINGER to 0 so that `close()` sends an RST instead of a FIN.
    public func setAbortOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Clears FD_CLOEXEC so that a spawned child inherits the descriptor.
    public func inheritable() {
        let flags = fcntl(fd, F_GETFD)
        _ = fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC)
    }

    static func make(ipv6: Bool) throws -> LoopbackSocket {
        let fd = Glibc.socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try check(fd, "socket")
        return LoopbackSocket(fd: fd)
    }

    private static func withLoopbackAddress(
        ipv6: Bool,
        port: UInt16,
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Void
    ) throws {
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = in6addr_loopback
            try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }
}

/// A failed system call in a test fixture.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

func check(_ result: Int32, _ call: String) throws {
    if result < 0 { throw FixtureError("\(call) failed: \(String(cString: strerror(errno)))") }
}

/// Whether the tests run as root (needed for namespaces and for reading other processes' fds).
public let runningAsRoot = getuid() == 0

extension LoopbackSocket {
    /// A TCP socket that was created and never bound or connected: in no kernel table, not a leak.
    public static func unconnected() throws -> LoopbackSocket {
        try make(ipv6: false)
    }
}
