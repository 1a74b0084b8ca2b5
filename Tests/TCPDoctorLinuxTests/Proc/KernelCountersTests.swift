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

struct SocketStatisticsTests {
    @Test func parsesTheRecordedFiles() throws {
        var stats = try ProcTestSupport.fixture("sockstat").withUnsafeBytes {
            try SocketStatistics.parse($0, file: "sockstat")
        }
        stats.merge(
            try ProcTestSupport.fixture("sockstat6").withUnsafeBytes { try SocketStatistics.parse($0, file: "sockstat6") }
        )
        let tcp = try #require(stats.tcp)
        #expect(tcp == SocketStatistics.TCP(inUse: 13_723, orphaned: 2001, timeWait: 1, allocated: 14_028, memoryPages: 1961))
        #expect(stats.tcp6InUse == 305)
        #expect(stats["sockets", "used"] == 14_042)
        #expect(stats["FRAG", "memory"] == 0)
    }

    @Test(arguments: [
        ("TCP: inuse\n", "/proc/net/sockstat line 1: inuse has no value: \"TCP: inuse\""),
        ("TCP: inuse x\n", "/proc/net/sockstat line 1: value of inuse is not a number: \"TCP: inuse x\""),
        ("sockets used 5\n", "/proc/net/sockstat line 1: expected \"NAME: key value ...\": \"sockets used 5\""),
    ])
    func malformedSockstat(_ text: String, _ message: String) {
        let error = #expect(throws: LinuxError.self) {
            try Array(text.utf8).withUnsafeBytes { try SocketStatistics.parse($0, file: "/proc/net/sockstat") }
        }
        #expect(error?.message == message)
    }

    @Test func aTCPLineMissingAKeyHasNoTypedView() throws {
        let stats = try Array("TCP: inuse 1 orphan 0\n".utf8).withUnsafeBytes {
            try SocketStatistics.parse($0, file: "s")
        }
        #expect(stats.tcp == nil)
        #expect(stats["TCP", "inuse"] == 1)
    }

    @Test func readsThisHost() throws {
        let stats = try SocketStatistics.read()
        let tcp = try #require(stats.tcp)
        #expect(tcp.allocated >= 0)
    }
}

struct SocketOwnerTableTests {
    @Test func looksUpAndConvertsBothWays() {
        let owners: [UInt64: [SocketOwner]] = [
            7: [.init(pid: 20, fd: 3), .init(pid: 10, fd: 9), .init(pid: 10, fd: 4)],
            3: [.init(pid: 1, fd: 1)],
            UInt64.max: [.init(pid: Int32.max, fd: Int32.max)],
        ]
        let table = SocketOwnerTable(owners)
        #expect(table.socketCount == 3)
        #expect(table.inodes == [3, 7, 7, 7, UInt64.max])
        #expect(Array(table.owners(of: 7)) == [.init(pid: 10, fd: 4), .init(pid: 10, fd: 9), .init(pid: 20, fd: 3)])
        #expect(table.owners(of: 5).isEmpty)
        #expect(table.owners(of: 8).isEmpty)
        #expect(table.contains(UInt64.max) && table.contains(3) && !table.contains(0))
        #expect(table.dictionary() == owners.mapValues { $0.sorted() })
        var visited: [UInt64] = []
        table.forEachSocket { inode, holders in
            visited.append(inode)
            #expect(!holders.isEmpty)
        }
        #expect(visited == [3, 7, UInt64.max])
    }

    @Test func emptyTable() {
        let table = SocketOwnerTable()
        #expect(table.isEmpty && table.socketCount == 0 && table.owners(of: 1).isEmpty && table.dictionary().isEmpty)
    }
}
