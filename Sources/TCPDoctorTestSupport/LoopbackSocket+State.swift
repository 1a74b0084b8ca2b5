import Glibc

/// The kernel's TCP state numbers (`TCP_ESTABLISHED`...), as `tcpi_state` reports them.
public enum KernelTCPState {
    public static let established: UInt8 = 1
    public static let finWait2: UInt8 = 5
    public static let timeWait: UInt8 = 6
    public static let close: UInt8 = 7
    public static let closeWait: UInt8 = 8
    public static let lastAck: UInt8 = 9
}

/// The state of socket `fd` from `TCP_INFO` (its first byte, `tcpi_state`); nil if unreadable.
public func tcpState(of fd: Int32) -> UInt8? {
    var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
    var length = socklen_t(MemoryLayout.size(ofValue: bytes))
    guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &bytes, &length) == 0, length > 0 else { return nil }
    return bytes.0
}

/// Polls until socket `fd` is in `state` (a FIN or RST on loopback may still be in flight when
/// the call that sent it returns); throws after `timeout`.
public func awaitTCPState(of fd: Int32, _ state: UInt8, timeout: Duration = .seconds(5)) throws {
    let deadline = ContinuousClock.now + timeout
    while tcpState(of: fd) != state {
        guard ContinuousClock.now < deadline else {
            throw FixtureError("socket fd \(fd) is in state \(tcpState(of: fd).map(String.init) ?? "?"), not \(state)")
        }
        usleep(1_000)
    }
}

extension LoopbackSocket {
    /// The socket's state from `TCP_INFO`; nil if it cannot be read.
    public var tcpState: UInt8? { TCPDoctorTestSupport.tcpState(of: fd) }

    /// Polls until the socket is in `state`; throws after `timeout`.
    public func awaitTCPState(_ state: UInt8, timeout: Duration = .seconds(5)) throws {
        try TCPDoctorTestSupport.awaitTCPState(of: fd, state, timeout: timeout)
    }

    /// A socket whose non-blocking connect() to a loopback port nobody listens on was just
    /// refused (the RST has arrived; the error is not yet read): in no kernel table, not a leak.
    public static func refusedNonBlocking() throws -> LoopbackSocket {
        let closed = try listen()
        let port = closed.port
        closed.close()
        let socket = try make(ipv6: false)
        _ = fcntl(socket.fd, F_SETFL, fcntl(socket.fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard started == 0 || errno == EINPROGRESS || errno == ECONNREFUSED else {
            throw FixtureError("connect failed: \(String(cString: strerror(errno)))")
        }
        // The refusal makes the socket writable (with an error pending) and puts it in CLOSE.
        var poller = pollfd(fd: socket.fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&poller, 1, 5_000) == 1 else {
            throw FixtureError("connect to port \(port) was not refused in time")
        }
        try socket.awaitTCPState(KernelTCPState.close)
        return socket
    }
}

extension LoopbackConnection {
    /// The client closes and the server does not; returns once the client's FIN has arrived
    /// (the server side is in CLOSE_WAIT). The server's ACK, sent as the FIN arrives, may still be
    /// on its way to the client, which then leaves FIN_WAIT1 for FIN_WAIT2.
    public func clientClosesFirstAndAwaitCloseWait() throws {
        clientClosesFirst()
        try server.awaitTCPState(KernelTCPState.closeWait)
    }

    /// The client aborts (SO_LINGER 0, close: an RST); returns once the server side, whose fd
    /// stays open, has left every kernel table (state CLOSE).
    public func resetByClient() throws {
        client.setAbortOnClose()
        client.close()
        try server.awaitTCPState(KernelTCPState.close)
    }
}
