import Glibc
import TCPDoctorCore

/// A failure of a test's own socket setup, with the call and errno.
struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ call: String, errno code: Int32 = Glibc.errno) {
        description = "\(call) failed: \(String(cString: strerror(code)))"
    }
}

/// A real TCP socket on loopback, owned by the test and closed in `deinit` (or by `close()`).
final class TestSocket {
    private(set) var descriptor: Int32
    let family: IPAddress.Family

    private init(descriptor: Int32, family: IPAddress.Family) {
        self.descriptor = descriptor
        self.family = family
    }

    deinit { close() }

    /// Closes the descriptor now (idempotent).
    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    static func tcp(_ family: IPAddress.Family) throws -> TestSocket {
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let fd = Glibc.socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket") }
        return TestSocket(descriptor: fd, family: family)
    }

    /// A listener on the loopback address (`127.0.0.1` or `::1`), kernel-chosen port.
    static func listener(_ family: IPAddress.Family, backlog: Int32 = 16) throws -> TestSocket {
        let socket = try tcp(family)
        try socket.bind(port: 0)
        guard Glibc.listen(socket.descriptor, backlog) == 0 else { throw TestSetupError("listen") }
        return socket
    }

    /// A client connected to `port` on loopback.
    static func client(_ family: IPAddress.Family, to port: UInt16) throws -> TestSocket {
        let socket = try tcp(family)
        let result = withLoopbackAddress(family, port: port) { Glibc.connect(socket.descriptor, $0, $1) }
        guard result == 0 else { throw TestSetupError("connect") }
        return socket
    }

    func bind(port: UInt16) throws {
        let result = Self.withLoopbackAddress(family, port: port) { Glibc.bind(descriptor, $0, $1) }
        guard result == 0 else { throw TestSetupError("bind") }
    }

    func accept() throws -> TestSocket {
        // accept4 is declared only under _GNU_SOURCE; set FD_CLOEXEC right after instead.
        let fd = Glibc.accept(descriptor, nil, nil)
        guard fd >= 0 else { throw TestSetupError("accept") }
        let socket = TestSocket(descriptor: fd, family: family)
        guard fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 else { throw TestSetupError("fcntl") }
        return socket
    }

    func setOption(level: Int32, name: Int32, value: Int32) throws {
        var value = value
        guard Glibc.setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw TestSetupError("setsockopt")
        }
    }

    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw TestSetupError("send") }
    }

    /// Reads what is queued, up to 4 KiB (blocks if nothing is).
    func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Glibc.recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw TestSetupError("recv") }
        return Array(buffer[0..<count])
    }

    func shutdownWrite() throws {
        guard Glibc.shutdown(descriptor, Int32(SHUT_WR)) == 0 else { throw TestSetupError("shutdown") }
    }

    /// The local port (getsockname).
    func port() throws -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw TestSetupError("getsockname") }
        // sin_port and sin6_port share the offset 2.
        return withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
    }

    /// The socket's inode (fstat st_ino), as `socket:[INODE]` shows it.
    func inode() throws -> UInt64 {
        var status = stat()
        guard Glibc.fstat(descriptor, &status) == 0 else { throw TestSetupError("fstat") }
        return UInt64(status.st_ino)
    }

    /// The loopback address of `family`, as the decoder reports it.
    static func loopback(_ family: IPAddress.Family) -> IPAddress {
        family == .ipv4 ? IPAddress(ipv4: 0x7f00_0001) : IPAddress(ipv6High: 0, low: 1)
    }

    private static func withLoopbackAddress<R>(
        _ family: IPAddress.Family,
        port: UInt16,
        _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) -> R {
        switch family {
        case .ipv4:
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = in6addr_loopback
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }
}

/// A connected pair on loopback: the client and the server side `accept` returned.
struct TestConnection {
    let listener: TestSocket
    let client: TestSocket
    let server: TestSocket

    static func open(_ family: IPAddress.Family) throws -> TestConnection {
        let listener = try TestSocket.listener(family)
        let client = try TestSocket.client(family, to: try listener.port())
        let server = try listener.accept()
        return TestConnection(listener: listener, client: client, server: server)
    }
}
