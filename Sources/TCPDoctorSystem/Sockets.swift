import CSockDiag
import Glibc
import SystemPackage

// Sockets: creation, options, IPv4 addresses, and moving bytes.

/// socket(2).
@inlinable
package func systemSocket(domain: Int32, type: Int32, protocol proto: Int32) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.socket(domain, type, proto) }
}

/// setsockopt(2) with a value of any fixed layout (`timeval`, `Int32`, `linger`).
@inlinable
package func systemSetSocketOption<Value: BitwiseCopyable>(
    _ fd: Int32,
    level: Int32,
    name: Int32,
    value: Value
) -> Result<Void, Errno> {
    withUnsafeBytes(of: value) { bytes in
        valueOrErrno { Glibc.setsockopt(fd, level, name, bytes.baseAddress, socklen_t(bytes.count)) }.map { _ in () }
    }
}

/// getsockopt(2) into a value of a fixed layout that starts as `initial`; bytes the kernel does
/// not send (a shorter `tcp_info` from an older kernel) keep their initial value.
@inlinable
package func systemGetSocketOption<Value: BitwiseCopyable>(
    _ fd: Int32,
    level: Int32,
    name: Int32,
    initial: Value
) -> Result<Value, Errno> {
    var value = initial
    var length = socklen_t(MemoryLayout<Value>.size)
    return valueOrErrno { Glibc.getsockopt(fd, level, name, &value, &length) }.map { _ in value }
}

/// getsockopt(TCP_INFO) into the kernel's layout; fields the kernel does not send stay zero.
@inlinable
package func systemTCPInfo(_ fd: Int32) -> Result<csd_tcp_info, Errno> {
    // Not through systemGetSocketOption: the imported struct has bit fields, so Swift does not
    // see it as BitwiseCopyable.
    var info = csd_tcp_info()
    var length = socklen_t(MemoryLayout<csd_tcp_info>.size)
    return valueOrErrno { Glibc.getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) }.map { _ in info }
}

/// getsockopt(SO_PROTOCOL) (Linux 2.6.32): the socket's protocol number, `IPPROTO_TCP` for TCP.
@inlinable
package func systemSocketProtocol(_ fd: Int32) -> Result<Int32, Errno> {
    systemGetSocketOption(fd, level: SOL_SOCKET, name: SO_PROTOCOL, initial: Int32(0))
}

/// bind(2) to an IPv4 address.
@inlinable
package func systemBind(_ fd: Int32, to address: sockaddr_in) -> Result<Void, Errno> {
    withUnsafePointer(to: address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            valueOrErrno { Glibc.bind(fd, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size)) }.map { _ in () }
        }
    }
}

/// listen(2).
@inlinable
package func systemListen(_ fd: Int32, backlog: Int32) -> Result<Void, Errno> {
    valueOrErrno { Glibc.listen(fd, backlog) }.map { _ in () }
}

/// getsockname(2) of an IPv4 socket.
@inlinable
package func systemLocalAddress(_ fd: Int32) -> Result<sockaddr_in, Errno> {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    return withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            valueOrErrno { Glibc.getsockname(fd, socketAddress, &length) }
        }
    }.map { _ in address }
}

/// accept(2) without the peer's address.
@inlinable
package func systemAccept(_ listener: Int32) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.accept(listener, nil, nil) }
}

/// connect(2) to an IPv4 address, called once: after EINTR the connection goes on without the
/// caller and a second connect() would report EALREADY, so EINTR is returned like any error.
/// A non-blocking socket reports `.nowInProgress` (EINPROGRESS) while the handshake goes on.
@inlinable
package func systemConnect(_ fd: Int32, to address: sockaddr_in) -> Result<Void, Errno> {
    withUnsafePointer(to: address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            valueOrErrno(retryingInterruptions: 0) {
                Glibc.connect(fd, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
            }.map { _ in () }
        }
    }
}

/// send(2) of `buffer` with `flags` (MSG_NOSIGNAL, ...); the number of bytes sent.
@inlinable
package func systemSend(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, flags: Int32) -> Result<Int, Errno> {
    valueOrErrno { Glibc.send(fd, buffer.baseAddress, buffer.count, flags) }
}

/// recv(2) into `buffer` with `flags`; 0 when the peer has closed.
@inlinable
package func systemReceive(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, flags: Int32) -> Result<Int, Errno> {
    valueOrErrno { Glibc.recv(fd, buffer.baseAddress, buffer.count, flags) }
}

/// One recv(2) into `buffer` with `flags`; EINTR is returned, not retried.
@inlinable
package func systemReceiveOnce(
    _ fd: Int32,
    _ buffer: UnsafeMutableRawBufferPointer,
    flags: Int32
) -> Result<Int, Errno> {
    valueOrErrno(retryingInterruptions: 0) { Glibc.recv(fd, buffer.baseAddress, buffer.count, flags) }
}
