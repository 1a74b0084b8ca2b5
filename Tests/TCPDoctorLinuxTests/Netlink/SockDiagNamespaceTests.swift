import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// Dumps inside a network namespace of the test's own (`ip netns add`, deleted in `deinit`).
/// Root only: entering a namespace needs CAP_SYS_ADMIN.
@Suite(.serialized, .enabled(if: TestNamespace.isAvailable, "needs root and iproute2"))
struct SockDiagNamespaceTests {
    @Test func socketsInsideAreSeenOnlyFromInside() throws {
        let namespace = try TestNamespace()
        let scenario = try namespace.inside { try StateScenario(.ipv4) }
        let inside = try SockDiagClient(namespacePath: namespace.path)
        let namespaceInode = try NetworkNamespaceInode.of(path: namespace.path)
        #expect(inside.namespaceInode == namespaceInode)

        let records = try scenario.settledRecords(inside, SockDiagQuery(families: [.ipv4, .ipv6]))
        #expect(try scenario.isSettled(records))
        #expect(records.count == 9)
        #expect(records.allSatisfy { $0.netns == namespaceInode })
        let listenerInode = try scenario.listener.inode()
        #expect(records.contains { $0.state == .listen && $0.inode == listenerInode })

        // Socket inodes are global, so the host dump can be searched for the very same sockets.
        let insideInodes = Set(records.map(\.inode).filter { $0 != 0 })
        let hostInodes = try SockDiagClient().records(SockDiagQuery()).records.map(\.inode)
        #expect(insideInodes.count == 7)  // all but TIME_WAIT and the request socket
        #expect(insideInodes.isDisjoint(with: hostInodes))
    }

    @Test func theCallersThreadKeepsItsNamespace() throws {
        let namespace = try TestNamespace()
        let file = try NetworkNamespaceFile(path: namespace.path)
        let before = try NetworkNamespaceInode.ofCurrentThread()
        let seenInside = try file.withThreadInside { try? NetworkNamespaceInode.ofCurrentThread() }
        #expect(seenInside == file.inode)
        #expect(file.inode != before)
        #expect(try NetworkNamespaceInode.ofCurrentThread() == before)
    }

    @Test func aFileThatIsNoNetworkNamespaceIsRefused() {
        // setns(CLONE_NEWNET) on a UTS namespace file fails with EINVAL.
        #expect {
            try SockDiagClient(namespacePath: "/proc/self/ns/uts")
        } throws: { error in
            (error as? LinuxError)?.code == .namespaceUnavailable && (error as? LinuxError)?.errno == .invalidArgument
        }
    }
}
