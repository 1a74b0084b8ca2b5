import CSockDiag
import Glibc

// Every raw libc call of TCPDoctorLab lives in this file and LabSystem+Processes.swift. errno is
// read right after the call; EINTR is retried here and nowhere else; close() is never retried.

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
}
