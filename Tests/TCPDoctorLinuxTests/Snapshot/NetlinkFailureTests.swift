import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// A netlink failure in one namespace is reported as what it was, in that namespace, and decides
/// nothing for the next: only "not supported" sends a namespace to /proc, and only that one.
///
/// The two namespaces are real, with a real listener each, and every dump goes to the kernel;
/// the fault replaces the errno of one real socket(2) or recvmsg(2) in the first namespace,
/// because a kernel that answers at once and supports sock_diag everywhere gives none.
@Suite(.serialized, .enabled(if: TestNamespace.isAvailable, "needs root and iproute2"))
struct NetlinkFailureTests {
    /// Two namespaces with a loopback listener each, located as discovery does.
    final class Pair {
        let namespaces: [TestNamespace]
        let listeners: [ProcTestSocket]
        let locations: [NamespaceLocation]
        let ports: [UInt16]

        init() throws {
            namespaces = [try TestNamespace(), try TestNamespace()]
            listeners = try namespaces.map { namespace in
                try namespace.inside { () -> ProcTestSocket in
                    let socket = try ProcTestSocket()
                    try socket.listenOnLoopback()
                    return socket
                }
            }
            locations = try namespaces.map { try NamespaceDiscovery().namespace(named: $0.name) }
            ports = try listeners.map { try $0.localPort() }
        }

        var inodes: [UInt64] { locations.map(\.namespace.inode) }

        /// Reads both with `fault` in the first; with owners, and without (two dumps at once).
        func read(_ fault: NetlinkFault, owners: Bool = false) throws -> Snapshot {
            try SnapshotReader.read(
                SnapshotRequest(includeOwners: owners, findDeadSocketFDs: false),
                in: locations,
                faults: [inodes[0]: fault]
            )
        }

        /// The listening ports found in namespace `index`.
        func ports(_ snapshot: Snapshot, in index: Int) -> Set<UInt16> {
            Set(snapshot.sockets.filter { $0.netns == inodes[index] && $0.state == .listen }.map(\.local.port))
        }
    }

    @Test(arguments: [
        (Errno.resourceTemporarilyUnavailable, "timed out", "Resource temporarily unavailable"),
        (Errno.interrupted, "interrupted by 9 signals in a row", "Interrupted system call"),
    ])
    func aTimeOutOrAnInterruptionIsReportedAndTheNextNamespaceStillUsesNetlink(
        _ errno: Errno,
        _ what: String,
        _ cause: String
    ) throws {
        let pair = try Pair()
        for owners in [false, true] {
            let snapshot = try pair.read(NetlinkFault(step: .receive, errno: errno), owners: owners)
            let problem = try #require(snapshot.coverage.namespaceProblems.first)
            #expect(snapshot.coverage.namespaceProblems.count == 1)
            #expect(problem.namespace == pair.namespaces[0].name)
            #expect(problem.reason.contains("the sock_diag dump of IPv4 and IPv6 TCP sockets: "), "\(problem.reason)")
            #expect(problem.reason.contains(what) && problem.reason.contains(cause), "\(problem.reason)")
            #expect(!problem.reason.contains("not supported"))
            // Nothing of the first namespace, not even from /proc; the second read by netlink.
            #expect(pair.ports(snapshot, in: 0).isEmpty)
            #expect(!snapshot.sockets.contains { $0.netns == pair.inodes[0] })
            #expect(pair.ports(snapshot, in: 1) == [pair.ports[1]])
            #expect(snapshot.coverage.source == .netlink)
            #expect(
                snapshot.coverage.namespaceSources
                    == [
                        Coverage.NamespaceSource(
                            inode: pair.inodes[1],
                            label: pair.namespaces[1].name,
                            source: .netlink
                        )
                    ]
            )
            #expect(
                snapshot.coverage.reasons.first
                    == "network namespace \(pair.namespaces[0].name) was not read: \(problem.reason)"
            )
        }
    }

    @Test(arguments: [
        NetlinkFault(step: .open, errno: .protocolNotSupported),
        NetlinkFault(step: .open, errno: .addressFamilyNotSupported),
        NetlinkFault(step: .receive, errno: .notSupported),
    ])
    func notSupportedSendsThatNamespaceAloneToProc(_ fault: NetlinkFault) throws {
        let pair = try Pair()
        let snapshot = try pair.read(fault)
        #expect(snapshot.coverage.namespaceProblems.isEmpty)
        // The first namespace has no process in it: /proc/thread-self/net of a thread inside.
        #expect(pair.ports(snapshot, in: 0) == [pair.ports[0]])
        #expect(pair.ports(snapshot, in: 1) == [pair.ports[1]])
        #expect(snapshot.sockets.filter { $0.netns == pair.inodes[0] }.allSatisfy { $0.cookie == 0 })
        #expect(snapshot.sockets.filter { $0.netns == pair.inodes[1] }.allSatisfy { $0.cookie != 0 })
        #expect(snapshot.coverage.source == .procfs)
        #expect(snapshot.coverage.namespaceSources.map(\.source) == [.procfs, .netlink])
        let name = pair.namespaces[0].name
        #expect(
            snapshot.coverage.reasons.contains {
                $0.hasPrefix("the sockets of network namespace \(name) were read from /proc/net/tcp")
            }
        )
        #expect(
            snapshot.coverage.notes.contains {
                $0.hasPrefix("netlink sock_diag is not supported in network namespace \(name): ")
            }
        )
    }

    @Test func ourOwnNamespaceTimingOutStillLeavesTheOthersRead() throws {
        let pair = try Pair()
        let host = try NamespaceDiscovery().namespace(atPath: "/proc/self/ns/net")
        let snapshot = try SnapshotReader.read(
            SnapshotRequest(includeOwners: false),
            in: [host, pair.locations[1]],
            faults: [host.namespace.inode: NetlinkFault(step: .receive, errno: .resourceTemporarilyUnavailable)]
        )
        #expect(snapshot.coverage.namespaceProblems.map(\.namespace) == ["host"])
        #expect(snapshot.coverage.namespaceProblems.first?.reason.contains("timed out") == true)
        #expect(!snapshot.sockets.contains { $0.netns == host.namespace.inode })
        #expect(pair.ports(snapshot, in: 1) == [pair.ports[1]])
    }

    @Test func whenNoNamespaceCanBeReadTheErrorNamesIt() throws {
        let pair = try Pair()
        let only = [pair.locations[0]]
        let error = #expect(throws: LinuxError.self) {
            try SnapshotReader.read(
                SnapshotRequest(includeOwners: false),
                in: only,
                faults: [pair.inodes[0]: NetlinkFault(step: .receive, errno: .resourceTemporarilyUnavailable)]
            )
        }
        #expect(error?.code == .netlinkTimedOut)
        #expect(
            error?.message.hasPrefix("network namespace \(pair.namespaces[0].name): the sock_diag dump of IPv4") == true
        )
    }
}

/// The netlink socket itself: a real receive that times out is a time-out.
struct NetlinkSocketErrorTests {
    @Test func aReceiveThatTimesOutIsATimeOutNotMissingSupport() throws {
        // Nothing was asked, so the kernel sends nothing: the real SO_RCVTIMEO expires.
        let socket = try NetlinkSocket(receiveTimeout: .milliseconds(50))
        let error = #expect(throws: LinuxError.self) { _ = try socket.receive() }
        #expect(error?.code == .netlinkTimedOut)
        #expect(error?.errno == .resourceTemporarilyUnavailable)
        #expect(error?.message == "the kernel sent no reply within 0.05 seconds (timed out)")
        #expect(error?.code.description == "netlink timed out")
    }

    @Test(arguments: [
        (Errno.resourceTemporarilyUnavailable, LinuxError.Code.netlinkTimedOut),
        (.interrupted, .netlinkInterrupted),
        (.notSupported, .netlinkUnavailable),
        (.noBufferSpace, .netlinkProtocol),
        (.badFileDescriptor, .systemCall),
    ])
    func eachReceiveErrnoHasItsOwnCode(_ errno: Errno, _ code: LinuxError.Code) {
        #expect(NetlinkSocket.receiveError(errno, timeout: .seconds(10)).code == code)
    }

    @Test func theCodesSayDifferentThings() {
        let codes: [LinuxError.Code] = [.netlinkUnavailable, .netlinkTimedOut, .netlinkInterrupted]
        #expect(Set(codes.map(\.description)).count == 3)
        #expect(LinuxError.Code.netlinkUnavailable.description == "netlink sock_diag not supported")
    }
}
