import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

@Suite(.serialized)
struct NamespaceDiscoveryTests {
    static func ownNamespaceInode() -> UInt64 {
        var info = stat()
        return stat("/proc/self/ns/net", &info) == 0 ? UInt64(info.st_ino) : 0
    }

    /// Runs `ip` with arguments; returns its exit status.
    @discardableResult
    static func ip(_ arguments: String...) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        try process.run()
        try process.waitUntilExit(timeout: .seconds(120))
        return process.terminationStatus
    }

    @Test func findsTheHostNamespaceFirst() throws {
        let all = try NamespaceDiscovery().all()
        let host = try #require(all.first)
        #expect(host.namespace.isHost)
        #expect(host.namespace.inode == Self.ownNamespaceInode())
        #expect(host.namespace.pids.contains(getpid()) || host.namespace.pids.count == 4)
        #expect(host.path == "/proc/self/ns/net")
        #expect(all.filter(\.namespace.isHost).count == 1)
        #expect(Set(all.map(\.namespace.inode)).count == all.count)
    }

    @Test(.enabled(if: ProcTestSupport.isRoot)) func findsANamedNamespaceWithNoProcess() throws {
        let name = "tcpd-test-\(UInt32.random(in: 0...UInt32.max))"
        try #require(try Self.ip("netns", "add", name) == 0)
        defer { _ = try? Self.ip("netns", "delete", name) }
        let discovery = NamespaceDiscovery()
        let found = try #require(try discovery.all().first { $0.namespace.names.contains(name) })
        #expect(!found.namespace.isHost)
        #expect(found.namespace.pids.isEmpty)
        #expect(found.path == "/var/run/netns/\(name)")
        #expect(found.namespace.inode != Self.ownNamespaceInode())
        let byName = try discovery.namespace(named: name)
        #expect(byName.namespace.inode == found.namespace.inode)
        #expect(byName.namespace.names == [name])
        let byPath = try discovery.namespace(atPath: "/var/run/netns/\(name)")
        #expect(byPath.namespace.inode == found.namespace.inode)
    }

    @Test(.enabled(if: ProcTestSupport.isRoot)) func findsProcessesInNamedAndUnnamedNamespaces() throws {
        let name = "tcpd-test-\(UInt32.random(in: 0...UInt32.max))"
        try #require(try Self.ip("netns", "add", name) == 0)
        defer { _ = try? Self.ip("netns", "delete", name) }
        let inside = try SpawnedChild(["/usr/sbin/ip", "netns", "exec", name, "/bin/sleep", "300"])
        defer { inside.terminate() }
        let unnamed = try SpawnedChild(["/usr/bin/unshare", "--net", "/bin/sleep", "300"])
        defer { unnamed.terminate() }
        try inside.waitUntilExecuted()
        try unnamed.waitUntilExecuted()
        let all = try NamespaceDiscovery().all()
        let named = try #require(all.first { $0.namespace.names == [name] })
        #expect(named.namespace.pids.contains(inside.pid))
        #expect(named.path == "/var/run/netns/\(name)")
        let anonymous = try #require(all.first { $0.namespace.pids.contains(unnamed.pid) })
        #expect(anonymous.namespace.names.isEmpty)
        #expect(!anonymous.namespace.isHost)
        #expect(anonymous.path == "/proc/\(anonymous.namespace.pids[0])/ns/net")
        let byPID = try NamespaceDiscovery().namespace(ofPID: unnamed.pid)
        #expect(byPID.namespace.inode == anonymous.namespace.inode)
        #expect(byPID.path == "/proc/\(unnamed.pid)/ns/net")
        let byPIDNamed = try NamespaceDiscovery().namespace(ofPID: inside.pid)
        #expect(byPIDNamed.namespace.names == [name])
    }

    @Test func selectsByPID() throws {
        let location = try NamespaceDiscovery().namespace(ofPID: getpid())
        #expect(location.namespace.isHost)
        #expect(location.namespace.inode == Self.ownNamespaceInode())
        #expect(location.path == "/proc/\(getpid())/ns/net")
    }

    @Test func unknownNamesPathsAndPIDsAreClearErrors() throws {
        let discovery = NamespaceDiscovery()
        let noName = #expect(throws: LinuxError.self) { try discovery.namespace(named: "tcpd-no-such-namespace") }
        #expect(noName?.code == .namespaceUnavailable)
        #expect(noName?.message.contains("no network namespace named \"tcpd-no-such-namespace\"") == true)
        let badName = #expect(throws: LinuxError.self) { try discovery.namespace(named: "../etc") }
        #expect(badName?.code == .namespaceUnavailable)
        let notNamespace = #expect(throws: LinuxError.self) { try discovery.namespace(atPath: "/etc/passwd") }
        #expect(notNamespace?.message == "/etc/passwd is not a network namespace")
        let otherKind = #expect(throws: LinuxError.self) { try discovery.namespace(atPath: "/proc/self/ns/mnt") }
        #expect(otherKind?.message == "/proc/self/ns/mnt is not a network namespace")
        let noFile = #expect(throws: LinuxError.self) { try discovery.namespace(atPath: "/nonexistent/ns") }
        #expect(noFile?.code == .namespaceUnavailable)
        let child = try SpawnedChild()
        child.terminate()
        let noPID = #expect(throws: LinuxError.self) { try discovery.namespace(ofPID: child.pid) }
        #expect(noPID?.message == "no process with pid \(child.pid)")
    }

    @Test func aStaleNameIsNotANamespace() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tcpd-netns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // What `ip netns delete` leaves when the unmount worked but the unlink did not: a plain file.
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stale").path, contents: Data())
        let all = try NamespaceDiscovery(namedDirectory: directory.path).all()
        #expect(all.allSatisfy { $0.namespace.names.isEmpty })
    }
}
