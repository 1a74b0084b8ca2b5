import Testing

@testable import TCPDoctorCore

struct CoverageTests {
    @Test func completeCoverageHasNoReasons() {
        #expect(Coverage(ownersScanned: true, processesScanned: 10).reasons.isEmpty)
    }

    @Test func unreadableProcessesAndUnattributedSocketsAreExplained() {
        let coverage = Coverage(
            ownersScanned: true,
            processesScanned: 50,
            processesUnreadable: [
                .init(pid: 1, command: "init", reason: "permission denied"),
                .init(pid: 7, command: nil, reason: "permission denied"),
            ],
            socketsUnattributed: 3
        )
        let reasons = coverage.reasons
        #expect(reasons.count == 2)
        #expect(reasons[0].contains("2 processes could not be inspected (permission denied): pid 1 (init), 7"))
        #expect(reasons[0].contains("run as root"))
        #expect(reasons[1].hasPrefix("3 sockets have an open file but no visible owner"))
    }

    @Test func rootIsNotToldToRunAsRoot() {
        let coverage = Coverage(
            privileged: true,
            ownersScanned: true,
            processesUnreadable: [.init(pid: 1, command: "init", reason: "permission denied")]
        )
        #expect(coverage.reasons.count == 1)
        #expect(!coverage.reasons[0].contains("run as root"))
        #expect(coverage.reasons[0].contains("even root"))
    }

    @Test func ownerGapsAreNotReportedWhenOwnersWereNotScanned() {
        let coverage = Coverage(source: .procfs, ownersScanned: false, socketsUnattributed: 9)
        #expect(coverage.reasons.count == 1)
        #expect(coverage.reasons[0].contains("/proc/net/tcp"))
    }

    @Test func theNamespacesReadFromProcAreNamed() {
        var coverage = Coverage(source: .procfs)
        coverage.namespaceSources = [
            .init(inode: 1, label: "host", source: .netlink), .init(inode: 2, label: "blue", source: .procfs),
        ]
        #expect(coverage.reasons.count == 1)
        #expect(coverage.reasons[0].hasPrefix("the sockets of network namespace blue were read from /proc/net/tcp"))
        coverage.namespaceSources = (1...7).map { .init(inode: UInt64($0), label: "ns\($0)", source: .procfs) }
        #expect(
            coverage.reasons[0].hasPrefix("the sockets of network namespaces ns1, ns2, ns3, ns4, ns5 and 2 more were")
        )
    }
}
