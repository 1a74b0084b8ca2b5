import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

struct KernelCountersTests {
    private func parse(_ text: String, file: String = "/proc/net/netstat") throws -> KernelCounters {
        try Array(text.utf8).withUnsafeBytes { try KernelCounters.parse($0, file: file) }
    }

    @Test func parsesTheRecordedFiles() throws {
        let netstat = try ProcTestSupport.fixture("netstat")
        let snmp = try ProcTestSupport.fixture("snmp")
        var counters = try snmp.withUnsafeBytes { try KernelCounters.parse($0, file: "snmp") }
        counters.merge(try netstat.withUnsafeBytes { try KernelCounters.parse($0, file: "netstat") })
        #expect(counters["TcpExt", "ListenOverflows"] != nil)
        #expect(counters["TcpExt", "ListenDrops"] != nil)
        #expect(counters["TcpExt", "TCPAbortOnTimeout"] != nil)
        #expect(counters["Tcp", "MaxConn"] == -1)
        #expect(counters["Tcp", "RtoMin"] == 200)
        #expect(counters["Ip", "DefaultTTL"] == 64)
        #expect(counters["IpExt", "InOctets"].map { $0 > 0 } == true)
        #expect(Set(counters.sections.keys).isSuperset(of: ["Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "TcpExt", "IpExt"]))
    }

    @Test func pairsHeadersWithValues() throws {
        let counters = try parse("TcpExt: A B C\nTcpExt: 1 -2 3\nIpExt: X\nIpExt: 9\n")
        #expect(counters.sections == ["TcpExt": ["A": 1, "B": -2, "C": 3], "IpExt": ["X": 9]])
    }

    @Test(arguments: [
        ("TcpExt: A B\n", "/proc/net/netstat line 1: TcpExt header has no value line"),
        (
            "TcpExt: A B\nIpExt: 1 2\n",
            "/proc/net/netstat line 2: values for IpExt follow the header of TcpExt (line 1): \"IpExt: 1 2\""
        ),
        ("TcpExt: A B\nTcpExt: 1\n", "/proc/net/netstat line 2: 1 values for the 2 names of line 1: \"TcpExt: 1\""),
        (
            "TcpExt: A B\nTcpExt: 1 2 3\n",
            "/proc/net/netstat line 2: more values than the 2 names of line 1: \"TcpExt: 1 2 3\""
        ),
        ("TcpExt: A B\nTcpExt: 1 x\n", "/proc/net/netstat line 2: value of B is not a number: \"TcpExt: 1 x\""),
        ("no colon here\n", "/proc/net/netstat line 1: expected \"Section: ...\": \"no colon here\""),
    ])
    func malformedCounterFiles(_ text: String, _ message: String) {
        let error = #expect(throws: LinuxError.self) { try parse(text) }
        #expect(error?.code == .malformedProcData)
        #expect(error?.message == message)
    }

    @Test func readsThisHostsCounters() throws {
        let counters = try KernelCounters.read()
        #expect(counters["Tcp", "ActiveOpens"] != nil)
        #expect(counters["TcpExt", "ListenOverflows"] != nil)
    }
}
