import Foundation
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// Records the kernel replies under Fixtures/netlink when TCPDOCTOR_RECORD_FIXTURES=1 (root).
///
/// The sockets are made in a namespace of their own, so the dump holds exactly the scenario's
/// sockets and the committed bytes are the kernel's datagrams, unedited.
@Suite(.serialized)
struct NetlinkFixtureRecorder {
    static let enabled =
        ProcessInfo.processInfo.environment["TCPDOCTOR_RECORD_FIXTURES"] == "1" && TestNamespace.isAvailable

    @Test(.enabled(if: enabled)) func recordStateDumps() throws {
        let namespace = try TestNamespace()
        let scenarios = try namespace.inside { [try StateScenario(.ipv4), try StateScenario(.ipv6)] }
        let client = try SockDiagClient(namespacePath: namespace.path)
        for scenario in scenarios {
            let records = try scenario.settledRecords(client, SockDiagQuery(families: [scenario.family]))
            #expect(try scenario.isSettled(records))
        }
        let file = try NetworkNamespaceFile(path: namespace.path)
        let socket = try NetlinkSocket(namespace: file)
        for (family, name) in [(IPAddress.Family.ipv4, "ipv4-states-info.hex"), (.ipv6, "ipv6-states-info.hex")] {
            try socket.send(InetDiagRequest.encode(family: family, states: .all, includeInfo: true, sequence: 1))
            var datagrams: [[UInt8]] = []
            var finished = false
            while !finished {
                let datagram = try socket.receive()
                datagrams.append(Array(datagram))
                finished = try InetDiagDecoder.decode(datagram, options: .init(sequence: 1)) { _ in }.finished
            }
            var uts = utsname()
            uname(&uts)
            let release = withUnsafeBytes(of: uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let header = """
                SOCK_DIAG_BY_FAMILY dump reply, \(family == .ipv4 ? "AF_INET" : "AF_INET6"), all states, \
                idiag_ext = INET_DIAG_INFO, nlmsg_seq 1.
                Recorded by NetlinkFixtureRecorder (TCPDOCTOR_RECORD_FIXTURES=1) on Linux \(release), in a
                private network namespace: see README.md. One netlink message per line.
                """
            let directory = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/netlink")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try NetlinkFixtures.format(datagrams, header: header)
                .write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        withExtendedLifetime(scenarios) {}
    }
}
