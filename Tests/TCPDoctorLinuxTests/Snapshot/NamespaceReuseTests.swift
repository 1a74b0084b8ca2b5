import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// A namespace found through a pid (or a name) is read as that namespace, even once the pid or
/// the name leads to another: the file opened at discovery is kept, and a path opened later is
/// checked to lead to the same inode.
@Suite(.serialized, .enabled(if: ReusedPIDFixture.isAvailable, "needs root, unshare and python3"))
struct NamespaceReuseTests {
    static let request = SnapshotRequest(includeOwners: false, findDeadSocketFDs: false)

    static func ports(_ snapshot: Snapshot) -> Set<UInt16> {
        Set(snapshot.sockets.filter { $0.state == .listen }.map(\.local.port))
    }

    /// Found through pid 2 and its file kept, as `NamespaceDiscovery` does; read after pid 2 went
    /// to a process of another namespace.
    @Test func theFileKeptFromDiscoveryIsReadNotTheReusedPID() throws {
        let fixture = try ReusedPIDFixture()
        let path = fixture.holderNamespacePath
        let first = try ReusedPIDFixture.inode(path)
        let discovered = NamespaceLocation(
            namespace: NetworkNamespace(inode: first, pids: [ReusedPIDFixture.pid]),
            path: path,
            file: try NetworkNamespaceFile(path: path)
        )
        let before = try SnapshotReader.read(Self.request, in: [discovered])
        #expect(Self.ports(before) == [ReusedPIDFixture.firstPort])

        try fixture.reuse()
        let second = try ReusedPIDFixture.inode(path)
        try #require(second != first, "the pid now leads to another network namespace")
        let after = try SnapshotReader.read(Self.request, in: [discovered])
        #expect(after.coverage.namespaceProblems.isEmpty)
        #expect(after.coverage.namespaceSources.map(\.inode) == [first])
        // The first holder is dead and its listener with it; the second's is not ours to show.
        #expect(!Self.ports(after).contains(ReusedPIDFixture.secondPort), "\(after.sockets)")
        #expect(after.sockets.allSatisfy { $0.netns == first })
    }

    /// A location made from a path alone is refused, with both inodes, once the path leads
    /// elsewhere.
    @Test func aPathThatNowLeadsElsewhereIsANamespaceProblem() throws {
        let fixture = try ReusedPIDFixture()
        let path = fixture.holderNamespacePath
        let first = try ReusedPIDFixture.inode(path)
        let byPath = NamespaceLocation(namespace: NetworkNamespace(inode: first, pids: [2]), path: path)
        let host = try NamespaceDiscovery().namespace(atPath: "/proc/self/ns/net")
        try fixture.reuse()
        let second = try ReusedPIDFixture.inode(path)

        let snapshot = try SnapshotReader.read(Self.request, in: [host, byPath])
        #expect(!Self.ports(snapshot).contains(ReusedPIDFixture.secondPort))
        #expect(snapshot.sockets.allSatisfy { $0.netns == host.namespace.inode })
        let problem = try #require(snapshot.coverage.namespaceProblems.first)
        #expect(problem.namespace == "pid 2")
        #expect(
            problem.reason.contains("\(path) now leads to network namespace net:[\(second)], not to net:[\(first)]")
        )
        #expect(snapshot.coverage.reasons.first?.hasPrefix("network namespace pid 2 was not read: ") == true)
    }

    /// /proc/PID/net/tcp of a pid now in another namespace is refused too; the kept file is read
    /// from inside instead.
    @Test func procfsRefusesAPIDNowInAnotherNamespace() throws {
        let fixture = try ReusedPIDFixture()
        let path = fixture.holderNamespacePath
        let first = try ReusedPIDFixture.inode(path)
        let file = try NetworkNamespaceFile(path: path)
        try fixture.reuse()
        // What discovery recorded as a pid of the first namespace is, on the host, now a process
        // of the second: as a reused host pid would be.
        let holder = try #require(try fixture.holderHostPIDs().first)
        let namespace = NetworkNamespace(inode: first, pids: [holder])
        var procfs = Self.request
        procfs.forceProcfs = true

        let refused = #expect(throws: LinuxError.self) {
            try SnapshotReader.procfsRecords(throughPID: holder, namespace: first, ProcNetTCPReader())
        }
        #expect(refused?.message.contains("/proc/\(holder)/ns/net now leads to network namespace") == true)

        let kept = NamespaceLocation(namespace: namespace, path: "/proc/\(holder)/ns/net", file: file)
        let read = try SnapshotReader.read(procfs, in: [kept])
        #expect(read.coverage.namespaceProblems.isEmpty)
        #expect(read.coverage.namespaceSources.map(\.source) == [.procfs])
        #expect(!Self.ports(read).contains(ReusedPIDFixture.secondPort), "\(read.sockets)")

        let pathOnly = NamespaceLocation(namespace: namespace, path: "/proc/\(holder)/ns/net")
        let host = try NamespaceDiscovery().namespace(atPath: "/proc/self/ns/net")
        let unread = try SnapshotReader.read(procfs, in: [host, pathOnly])
        #expect(!Self.ports(unread).contains(ReusedPIDFixture.secondPort))
        #expect(unread.coverage.namespaceProblems.map(\.namespace) == ["pid \(holder)"])
    }

    /// Discovery keeps the file of a namespace it found through a pid: the namespace is still
    /// read, as itself, once that process has gone.
    @Test func discoveryKeepsTheFileOfANamespaceFoundThroughAPID() throws {
        let holder = try SpawnedChild(["/usr/bin/unshare", "--net", "/bin/sleep", "300"])
        defer { holder.terminate() }
        try holder.waitUntilExecuted()
        let found = try #require(try NamespaceDiscovery().all().first { $0.namespace.pids.contains(holder.pid) })
        #expect(found.path == "/proc/\(found.namespace.pids[0])/ns/net")
        #expect(try found.open().inode == found.namespace.inode)
        holder.terminate()
        let snapshot = try SnapshotReader.read(Self.request, in: [found])
        #expect(snapshot.coverage.namespaceProblems.isEmpty, "\(snapshot.coverage.namespaceProblems)")
        #expect(snapshot.coverage.namespaceSources.map(\.inode) == [found.namespace.inode])
    }

    /// `ip netns delete` and `add` of the same name between discovery and the dump.
    @Test(.enabled(if: TestNamespace.isAvailable)) func aNameBoundAnewIsNotReadUnderTheOldInode() throws {
        let old = try TestNamespace()
        let oldListener = try old.inside { () -> ProcTestSocket in
            let socket = try ProcTestSocket()
            try socket.listenOnLoopback()
            return socket
        }
        let discovered = try NamespaceDiscovery().namespace(named: old.name)
        let oldPort = try oldListener.localPort()
        // The name goes to a new namespace; the old one lives on through the listener's socket.
        try Self.ip(["netns", "delete", old.name])
        try Self.ip(["netns", "add", old.name])
        defer { try? Self.ip(["netns", "delete", old.name]) }
        try Self.ip(["-n", old.name, "link", "set", "lo", "up"])
        let newListener = try TestNamespace.inside(path: discovered.path) { () -> ProcTestSocket in
            let socket = try ProcTestSocket()
            try socket.listenOnLoopback()
            return socket
        }
        let newPort = try newListener.localPort()
        try #require(try ReusedPIDFixture.inode(discovered.path) != discovered.namespace.inode)

        let snapshot = try SnapshotReader.read(Self.request, in: [discovered])
        #expect(Self.ports(snapshot).contains(oldPort))
        #expect(oldPort == newPort || !Self.ports(snapshot).contains(newPort))
        let newInode = try newListener.inode()
        #expect(!snapshot.sockets.contains { $0.inode == newInode })

        let byPath = NamespaceLocation(namespace: discovered.namespace, path: discovered.path)
        let host = try NamespaceDiscovery().namespace(atPath: "/proc/self/ns/net")
        let refused = try SnapshotReader.read(Self.request, in: [host, byPath])
        #expect(!refused.sockets.contains { $0.inode == newInode })
        #expect(refused.coverage.namespaceProblems.count == 1)
    }

    static func ip(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "ip \(arguments.joined(separator: " ")) failed")
    }
}

extension TestNamespace {
    /// Runs `body` on a thread inside the namespace at `path`.
    static func inside<Result>(path: String, _ body: () throws -> Result) throws -> Result {
        let file = try NetworkNamespaceFile(path: path)
        let outcome = try file.withThreadInside { () -> Swift.Result<Result, any Error> in
            Swift.Result { try body() }
        }
        return try outcome.get()
    }
}
