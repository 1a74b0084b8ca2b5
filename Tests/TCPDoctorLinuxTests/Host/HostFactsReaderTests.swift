import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

@Suite(.serialized)
struct HostFactsReaderTests {
    static func fileText(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func readsTheHostNamespace() throws {
        let host = try SnapshotReader.namespaces(.current)
        let facts = HostFactsReader.read(host)
        let inode = try #require(host.first?.namespace.inode)
        let mine = try #require(facts.namespaces[inode])
        #expect(mine.sysctls["net.ipv4.tcp_fin_timeout"] == (try Self.fileText("/proc/sys/net/ipv4/tcp_fin_timeout")))
        #expect(mine.localPortRange != nil)
        #expect(mine.counters["TcpExt.ListenOverflows"] != nil)
        #expect(mine.counters["Tcp.CurrEstab"] != nil)
        #expect(mine.sockstat["inuse"] != nil)
        #expect(facts.fileHandlesMaximum ?? 0 > 0)
        #expect(facts.nrOpen ?? 0 > 0)
        #expect(mine.sysctls["fs.file-max"] != nil, "host-wide values are carried in each namespace")
    }

    @Test(.enabled(if: TestNamespace.isAvailable, "needs root and iproute2"))
    func readsAnotherNamespacesOwnSettings() throws {
        let namespace = try TestNamespace()
        // sysctl exits at once; the value is then polled for from outside, through a thread inside.
        let setter = try namespace.spawn(["/usr/sbin/sysctl", "-q", "-w", "net.ipv4.tcp_fin_timeout=17"])
        let locations = try SnapshotReader.namespaces(.named(namespace.name))
        let inode = try #require(locations.first?.namespace.inode)
        var value: String?
        for _ in 0..<100 {
            value = HostFactsReader.read(locations).namespaces[inode]?.sysctls["net.ipv4.tcp_fin_timeout"]
            if value == "17" { break }
            usleep(20_000)
        }
        #expect(value == "17")
        withExtendedLifetime(setter) {}
        let facts = HostFactsReader.read(locations).namespaces[inode]
        #expect(facts?.counters["TcpExt.ListenOverflows"] == 0, "a fresh namespace has its own counters")
    }
}
