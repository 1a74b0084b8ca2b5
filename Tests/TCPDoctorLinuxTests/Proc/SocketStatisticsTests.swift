import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

struct SocketStatisticsTests {
    @Test func parsesTheRecordedFiles() throws {
        var stats = try ProcTestSupport.fixture("sockstat").withUnsafeBytes {
            try SocketStatistics.parse($0, file: "sockstat")
        }
        stats.merge(
            try ProcTestSupport.fixture("sockstat6").withUnsafeBytes {
                try SocketStatistics.parse($0, file: "sockstat6")
            }
        )
        let tcp = try #require(stats.tcp)
        #expect(
            tcp
                == SocketStatistics.TCP(
                    inUse: 13_723,
                    orphaned: 2001,
                    timeWait: 1,
                    allocated: 14_028,
                    memoryPages: 1961
                )
        )
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
