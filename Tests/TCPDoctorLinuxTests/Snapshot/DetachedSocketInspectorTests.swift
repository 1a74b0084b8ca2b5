import CSockDiag
import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// The inspector looks at real sockets of this process through real duplicates (pidfd_getfd of
/// one's own fds needs no privilege): only a closed TCP socket that carried a connection, and is
/// still the socket the walk saw, is detached.
struct DetachedSocketInspectorTests {
    static func inspect(_ socket: LoopbackSocket, inode: UInt64? = nil) -> DetachedSocketInspector.Verdict {
        DetachedSocketInspector.inspect(pid: getpid(), fd: socket.fd, inode: inode ?? socket.inode)
    }

    @Test func aSocketResetByItsPeerIsDetachedWithItsIdleTime() throws {
        let connection = try LoopbackConnection.open()
        try connection.resetByClient()
        guard case .detached(let idle) = Self.inspect(connection.server) else {
            Issue.record("verdict: \(Self.inspect(connection.server))")
            return
        }
        // Idle counts from the handshake, a moment ago; never from boot.
        #expect(idle < 60_000)
        withExtendedLifetime(connection) {}
    }

    @Test func aConnectRefusedAMomentAgoIsNotDetached() throws {
        let refused = try LoopbackSocket.refusedNonBlocking()
        // One segment each way and idle times counted from boot: only tcpi_rtt tells.
        #expect(Self.inspect(refused) == .notDead)
    }

    @Test func freshAndLiveSocketsAreNotDetached() throws {
        let fresh = try LoopbackSocket.unconnected()
        let connection = try LoopbackConnection.open()
        #expect(Self.inspect(fresh) == .notDead)
        #expect(Self.inspect(connection.server) == .notDead, "ESTABLISHED: in a table we did not read")
        #expect(Self.inspect(connection.listener) == .notDead)
    }

    @Test func anFDNumberNowHoldingAnotherSocketIsNotTheWalksSocket() throws {
        let connection = try LoopbackConnection.open()
        try connection.resetByClient()
        let inode = connection.server.inode
        #expect(Self.inspect(connection.server, inode: inode + 1) == .notDead)
        #expect(Self.inspect(connection.server, inode: inode) != .notDead)
    }

    @Test func aUDPSocketIsNotATCPSocket() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var status = stat()
        fstat(fd, &status)
        #expect(DetachedSocketInspector.inspect(pid: getpid(), fd: fd, inode: UInt64(status.st_ino)) == .notDead)
    }

    @Test func aClosedFDOrAGoneProcessHoldsNothing() throws {
        let fresh = try LoopbackSocket.unconnected()
        let fd = fresh.fd
        let inode = fresh.inode
        fresh.close()
        #expect(DetachedSocketInspector.inspect(pid: getpid(), fd: fd, inode: inode) == .notDead)
        #expect(DetachedSocketInspector.inspect(pid: Int32.max, fd: 3, inode: inode) == .notDead)
    }
}
