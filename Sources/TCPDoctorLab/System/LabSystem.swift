import Glibc
import SystemPackage
import TCPDoctorSystem

// The lab's system calls, each a call of TCPDoctorSystem (which reads errno at once, retries EINTR
// and never retries close()) whose `Errno` becomes a `LabError` that names the call and what it
// was for. This file and LabSystem+Processes.swift are the lab's only way to the system.

/// System calls for the lab, each returning a value or throwing a `LabError` that names the
/// call and what it was for.
enum LabSystem {
    /// The value of `result`, or a `LabError` for `call` and its `context`.
    @inline(__always)
    static func checked<T>(
        _ call: String,
        _ context: @autoclosure () -> String,
        _ result: Result<T, Errno>
    ) throws(LabError) -> T {
        switch result {
        case .success(let value): return value
        case .failure(let errno): throw LabError.system(call, context(), errno)
        }
    }

    /// Closes a descriptor once; Linux has released it even when close() reports EINTR.
    static func close(_ fd: Int32) {
        if fd >= 0 { closeDescriptor(fd) }
    }

    // MARK: sockets

    /// A TCP/IPv4 socket with SOCK_CLOEXEC, so that no spawned process inherits it by accident.
    static func tcpSocket() throws(LabError) -> Int32 {
        try checked(
            "socket",
            "a TCP socket",
            systemSocket(domain: AF_INET, type: Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), protocol: 0)
        )
    }

    /// A listener on 127.0.0.1:`port` (0: the kernel picks), with SO_REUSEADDR so that a rerun
    /// can bind a port whose earlier connections are still in TIME_WAIT.
    static func listen(port: UInt16, backlog: Int32) throws(LabError) -> Int32 {
        let fd = try tcpSocket()
        do {
            _ = systemSetSocketOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: Int32(1))
            try checked("bind", "127.0.0.1:\(port)", systemBind(fd, to: loopback(port: port)))
            try checked("listen", "127.0.0.1:\(port)", systemListen(fd, backlog: backlog))
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// The local port of a bound socket (`getsockname`).
    static func localPort(_ fd: Int32) throws(LabError) -> UInt16 {
        let address = try checked("getsockname", "fd \(fd)", systemLocalAddress(fd))
        return UInt16(bigEndian: address.sin_port)
    }

    /// accept(2), then FD_CLOEXEC; the errno (EMFILE above all) is in the thrown error.
    ///
    /// Not accept4: glibc declares it only under _GNU_SOURCE. The gap before FD_CLOEXEC is
    /// harmless here because a role process spawns only from the thread that accepts.
    static func accept(_ listener: Int32) throws(LabError) -> Int32 {
        let fd = try checked("accept", "listener fd \(listener)", systemAccept(listener))
        _ = systemSetCloseOnExec(fd)
        return fd
    }

    /// A new socket connected to 127.0.0.1:`port`; EADDRNOTAVAIL when no local port is free.
    static func connect(port: UInt16) throws(LabError) -> Int32 {
        let fd = try tcpSocket()
        switch systemConnect(fd, to: loopback(port: port)) {
        case .success: return fd
        case .failure(let errno):
            close(fd)
            throw LabError.system("connect", "127.0.0.1:\(port)", errno)
        }
    }

    /// A new non-blocking socket whose connection to `host`:`port` (127.0.0.1 unless given, in
    /// host byte order) has started (EINPROGRESS): the handshake goes on without the caller, who
    /// can poll for POLLOUT.
    static func startConnect(address host: UInt32 = 0x7f00_0001, port: UInt16) throws(LabError) -> Int32 {
        let fd = try tcpSocket()
        _ = systemSetNonBlocking(fd)
        var address = loopback(port: port)
        address.sin_addr.s_addr = host.bigEndian
        switch systemConnect(fd, to: address) {
        case .success, .failure(.nowInProgress): return fd
        case .failure(let errno):
            close(fd)
            throw LabError.system("connect", "\(dottedQuad(host)):\(port)", errno)
        }
    }

    /// Throws the error a started connection ended with (SO_ERROR), if any.
    static func checkConnected(_ fd: Int32, port: UInt16) throws(LabError) {
        let error = try checked(
            "getsockopt",
            "SO_ERROR of fd \(fd)",
            systemGetSocketOption(fd, level: SOL_SOCKET, name: SO_ERROR, initial: Int32(0))
        )
        guard error != 0 else { return }
        throw LabError(.systemCall, "connect failed (127.0.0.1:\(port))", errno: error)
    }

    /// Sends all of `bytes` (MSG_NOSIGNAL: a closed peer is an error, not a SIGPIPE).
    static func send(_ fd: Int32, _ bytes: [UInt8]) throws(LabError) {
        var offset = 0
        while offset < bytes.count {
            let sent = try checked(
                "send",
                "fd \(fd)",
                bytes.withUnsafeBytes {
                    systemSend(fd, UnsafeRawBufferPointer(rebasing: $0[offset...]), flags: Int32(MSG_NOSIGNAL))
                }
            )
            offset += sent
        }
    }

    /// Reads exactly `count` bytes; fewer means the peer closed first.
    static func receive(_ fd: Int32, exactly count: Int) throws(LabError) -> Int {
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        var total = 0
        while total < count {
            let got = try checked(
                "recv",
                "fd \(fd)",
                buffer.withUnsafeMutableBytes {
                    systemReceive(fd, UnsafeMutableRawBufferPointer(rebasing: $0[total..<count]), flags: 0)
                }
            )
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
            let got = try checked("recv", "fd \(fd)", buffer.withUnsafeMutableBytes { systemReceive(fd, $0, flags: 0) })
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
            socket ? systemReceiveOnce(fd, $0, flags: Int32(MSG_DONTWAIT)) : systemReadOnce(fd, $0)
        }
        switch got {
        case .success(0): return .endOfFile
        case .success(let count): return .bytes(count)
        case .failure(.resourceTemporarilyUnavailable), .failure(.interrupted): return .nothingYet
        case .failure(let errno):
            throw LabError(.systemCall, "\(socket ? "recv" : "read") failed (fd \(fd))", errno: errno.rawValue)
        }
    }

    /// Writes one byte (a go-ahead on a lifeline).
    static func writeByte(_ fd: Int32, _ byte: UInt8) throws(LabError) {
        _ = try checked("write", "fd \(fd)", withUnsafeBytes(of: byte) { systemWrite(fd, $0) })
    }

    /// SO_LINGER with a zero timeout: close() then sends an RST instead of a FIN.
    static func setAbortOnClose(_ fd: Int32) throws(LabError) {
        try checked(
            "setsockopt(SO_LINGER)",
            "fd \(fd)",
            systemSetSocketOption(fd, level: SOL_SOCKET, name: SO_LINGER, value: Glibc.linger(l_onoff: 1, l_linger: 0))
        )
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
        _ = try checked("poll", "\(fds.count) descriptors", systemPoll(&entries, timeout: timeout))
        return entries.map(\.revents)
    }
}
