import Foundation
import Glibc
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

@Suite(.serialized)
struct ProcNetTCPReaderTests {
    @Test func findsALoopbackListenerThisTestOpened() throws {
        let socket = try ProcTestSocket()
        let port = try socket.listenOnLoopback()
        let inode = try socket.inode()
        let records = try ProcNetTCPReader().readNamespace(netns: 99)
        let record = try #require(records.first { $0.inode == inode })
        #expect(record.state == .listen)
        #expect(record.local == Endpoint(address: IPAddress(ipv4: 0x7f00_0001), port: port))
        #expect(record.remote.port == 0 && record.remote.address.isUnspecified)
        #expect(record.uid == geteuid())
        #expect(record.netns == 99)
    }

    @Test(.enabled(if: ProcTestSupport.hasIPv6)) func findsAnIPv6ListenerAndItsAcceptQueue() throws {
        let listener = try ProcTestSocket(family: AF_INET6)
        let port = try listener.listenOnLoopback(family: AF_INET6)
        let inode = try listener.inode()
        // Two connections nobody accepts: the listener's Recv-Q is its accept queue.
        let clients = try (0..<2).map { _ in try ProcTestSocket(family: AF_INET6) }
        for client in clients { #expect(client.connectToLoopback6(port: port)) }
        let records = try ProcNetTCPReader().read(path: "/proc/net/tcp6")
        let record = try #require(records.first { $0.inode == inode })
        #expect(record.state == .listen)
        #expect(record.local.description == "[::1]:\(port)")
        #expect(record.recvQ == 2)
        let connected = records.filter { $0.remote.port == port && $0.state == .established }
        #expect(connected.count == 2)
        #expect(Set(connected.map(\.inode)) == Set(try clients.map { try $0.inode() }))
    }

    @Test func smallBuffersGiveTheSameLinesAsLargeOnes() throws {
        // Chunk boundaries fall inside lines when the buffer is smaller than the file. The lines
        // of /proc/net/netstat (long ones), copied once: the live file's counters move between reads.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("netstat-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try String(contentsOfFile: "/proc/net/netstat", encoding: .utf8).write(
            toFile: copy,
            atomically: false,
            encoding: .utf8
        )
        var large: [String] = []
        var small: [String] = []
        try ProcLineStream.forEachLine(ofFile: copy) { line, number in
            large.append("\(number):\(ProcBytes.string(line))")
        }
        try ProcLineStream.forEachLine(ofFile: copy, bufferSize: 4096) { line, number in
            small.append("\(number):\(ProcBytes.string(line))")
        }
        #expect(large == small)
        #expect(large.count >= 4)
    }

    @Test func aLineLongerThanTheBufferIsAnError() {
        let error = #expect(throws: LinuxError.self) {
            try ProcLineStream.forEachLine(ofFile: "/proc/net/netstat", bufferSize: 64) { _, _ in }
        }
        #expect(error?.message == "/proc/net/netstat line 1: longer than 64 bytes")
    }

    @Test func aMissingFileNamesThePath() {
        let error = #expect(throws: LinuxError.self) { try ProcNetTCPReader().read(path: "/proc/net/tcp9") }
        #expect(error?.message == "cannot open /proc/net/tcp9")
        #expect(error?.code == .procfsUnreadable)
    }

    /// The fallback's reach into other namespaces: `/proc/PID/net/tcp` of a process inside one.
    @Test(.enabled(if: ProcTestSupport.isRoot && FileManager.default.fileExists(atPath: "/usr/bin/python3")))
    func readsAnotherNamespaceThroughAProcessInIt() throws {
        let name = "tcpd-test-\(UInt32.random(in: 0...UInt32.max))"
        try #require(try NamespaceDiscoveryTests.ip("netns", "add", name) == 0)
        defer { _ = try? NamespaceDiscoveryTests.ip("netns", "delete", name) }
        let port = UInt16.random(in: 20_000...60_000)
        let script = "import socket,time\ns=socket.socket()\ns.bind(('0.0.0.0',\(port)))\ns.listen()\ntime.sleep(300)"
        let child = try SpawnedChild(
            ["/usr/sbin/ip", "netns", "exec", name, "/usr/bin/python3", "-c", script],
            command: "python3"
        )
        defer { child.terminate() }
        try child.waitUntilExecuted()
        let location = try NamespaceDiscovery().namespace(named: name)
        var found: SocketRecord?
        for _ in 0..<200 where found == nil {
            found = try ProcNetTCPReader().readNamespace(
                directory: "/proc/\(child.pid)/net",
                netns: location.namespace.inode
            ).first { $0.local.port == port && $0.state == .listen }
            if found == nil { usleep(20_000) }
        }
        let record = try #require(found)
        #expect(record.netns == location.namespace.inode)
        #expect(try ProcNetTCPReader().readNamespace().allSatisfy { $0.inode != record.inode })
        let scan = try FDScanner().scan(pids: [child.pid])
        #expect(scan.owners.owners(of: record.inode).map(\.pid) == [child.pid])
    }
}
