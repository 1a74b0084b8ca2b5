import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

@Suite(.serialized)
struct SocketProtocolProbeTests {
    let me = getpid()

    @Test(.enabled(if: ProcTestSupport.hasIPv6)) func namesTheProtocolOfEachKindOfSocket() throws {
        let tcp = try ProcTestSocket()
        let tcp6 = try ProcTestSocket(family: AF_INET6)
        let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(udp) }
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        defer { for fd in pair { close(fd) } }
        let probe = SocketProtocolProbe()
        #expect(try probe.protocolName(of: SocketOwner(pid: me, fd: tcp.fd)) == "TCP")
        #expect(try probe.protocolName(of: SocketOwner(pid: me, fd: tcp6.fd)) == "TCPv6")
        #expect(try probe.protocolName(of: SocketOwner(pid: me, fd: udp)) == "UDP")
        #expect(try probe.protocolName(of: SocketOwner(pid: me, fd: pair[0])) == "UNIX-STREAM")
        #expect(try probe.protocolName(of: SocketOwner(pid: me, fd: tcp.fd), inode: try tcp.inode()) == "TCP")
    }

    @Test func nonSocketsClosedFDsAndReusedFDsAreNil() throws {
        var pipeFDs: [Int32] = [-1, -1]
        #expect(pipe(&pipeFDs) == 0)
        defer { for fd in pipeFDs { close(fd) } }
        let probe = SocketProtocolProbe()
        #expect(try probe.protocolName(of: SocketOwner(pid: me, fd: pipeFDs[0])) == nil)
        let socket = try ProcTestSocket()
        let inode = try socket.inode()
        // Same fd number, another inode: the fd was reused since the walk.
        #expect(try probe.protocolName(of: SocketOwner(pid: me, fd: socket.fd), inode: inode + 1) == nil)
        #expect(try probe.protocolName(of: SocketOwner(pid: me, fd: 19_999)) == nil)
        let child = try SpawnedChild()
        child.terminate()
        #expect(try probe.protocolName(of: SocketOwner(pid: child.pid, fd: 0)) == nil)
    }

    /// The leak netstat cannot see: TCP sockets in no table whose fds are still open.
    @Test func findsTCPSocketsMissingFromEveryTable() throws {
        // Reset by the peer: the server closes with SO_LINGER {1, 0}, which sends RST.
        let listener = try ProcTestSocket()
        let port = try listener.listenOnLoopback()
        let reset = try ProcTestSocket()
        #expect(reset.connectToLoopback(port: port))
        let accepted = accept(listener.fd, nil, nil)
        try #require(accepted >= 0)
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        #expect(setsockopt(accepted, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size)) == 0)
        close(accepted)
        // Refused: nothing listens on the port any more.
        let closedListener = try ProcTestSocket()
        let closedPort = try closedListener.listenOnLoopback()
        let refusedTarget = closedPort
        _ = consume closedListener
        let refused = try ProcTestSocket()
        #expect(!refused.connectToLoopback(port: refusedTarget))
        // Never bound or connected.
        let fresh = try ProcTestSocket()
        // A child holds the reset socket too: both holders are reported.
        let child = try SpawnedChild(inheriting: [(reset.fd, 100)])
        defer { child.terminate() }
        try child.waitUntilExecuted()
        // The RST has arrived once the client side is in CLOSE.
        try awaitTCPState(of: reset.fd, KernelTCPState.close)

        let inDump = Set(try ProcNetTCPReader().readNamespace().map(\.inode))
        let scan = try FDScanner().scan(pids: [me, child.pid])
        let dead = SocketProtocolProbe().deadTCPSockets(in: scan.owners) { inDump.contains($0) }
        let resetInode = try reset.inode()
        #expect(!inDump.contains(resetInode))
        #expect(
            Set(dead.filter { $0.inode == resetInode }.map(\.owner))
                == [SocketOwner(pid: me, fd: reset.fd), SocketOwner(pid: child.pid, fd: 100)]
        )
        #expect(
            dead.contains(
                DeadSocketFD(
                    owner: SocketOwner(pid: me, fd: refused.fd),
                    inode: try refused.inode(),
                    protocolName: "TCP"
                )
            )
        )
        #expect(dead.contains { $0.inode == (try? fresh.inode()) })
        // The listener is in the table, so it is not dead.
        #expect(!dead.contains { $0.inode == (try? listener.inode()) })
        #expect(dead.allSatisfy { $0.protocolName == "TCP" || $0.protocolName == "TCPv6" })
    }
}
