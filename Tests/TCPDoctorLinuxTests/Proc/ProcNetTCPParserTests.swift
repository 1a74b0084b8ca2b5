import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

struct ProcNetTCPParserTests {
    struct LineCase: Sendable, CustomTestStringConvertible {
        let line: String
        let state: TCPState
        let local: String
        let remote: String
        let recvQ: UInt32
        let sendQ: UInt32
        let inode: UInt64
        let uid: UInt32
        let timer: SocketTimer?
        var testDescription: String { "\(state.netstatName) \(local) \(remote)" }
    }

    /// Lines from Fixtures/proc/tcp and tcp6, and two synthetic ones in the kernel's format for
    /// the retransmit and zero-window timers.
    static let lines: [LineCase] = [
        LineCase(
            line: "  10: 0100007F:89AB 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 659426 3 "
                + "00000000b938a1d3 100 0 0 10 0",
            state: .listen,
            local: "127.0.0.1:35243",
            remote: "*:*",
            recvQ: 2,
            sendQ: 0,
            inode: 659_426,
            uid: 0,
            timer: nil
        ),
        LineCase(
            line: " 908: 0100007F:8FA4 0100007F:E0B5 01 00000000:00000000 02:000AFC02 00000000     0        0 659430 2 "
                + "000000002f507fe9 20 0 0 11 -1",
            state: .established,
            local: "127.0.0.1:36772",
            remote: "127.0.0.1:57525",
            recvQ: 0,
            sendQ: 0,
            inode: 659_430,
            uid: 0,
            timer: SocketTimer(kind: .keepalive, expiresMilliseconds: 7_198_740, retransmits: 0)
        ),
        LineCase(
            line: " 909: 0100007F:8FB0 0100007F:E0B5 08 00000000:00000001 00:00000000 00000000     0        0 659432 1 "
                + "000000008504b020 20 4 0 10 -1",
            state: .closeWait,
            local: "127.0.0.1:36784",
            remote: "127.0.0.1:57525",
            recvQ: 1,
            sendQ: 0,
            inode: 659_432,
            uid: 0,
            timer: nil
        ),
        LineCase(
            line: " 910: 0100007F:8FB8 0100007F:E0B5 06 00000000:00000000 03:000016F7 00000000     0        0 0 3 "
                + "00000000c12c3901",
            state: .timeWait,
            local: "127.0.0.1:36792",
            remote: "127.0.0.1:57525",
            recvQ: 0,
            sendQ: 0,
            inode: 0,
            uid: 0,
            timer: SocketTimer(kind: .timeWait, expiresMilliseconds: 58_790, retransmits: 0)
        ),
        LineCase(
            line: "12044: 0100007F:E0B5 0100007F:8FB0 05 00000000:00000000 02:0005664F 00000000     0        0 0 2 "
                + "000000007453fefc 20 0 0 11 -1",
            state: .finWait2,
            local: "127.0.0.1:57525",
            remote: "127.0.0.1:36784",
            recvQ: 0,
            sendQ: 0,
            inode: 0,
            uid: 0,
            timer: SocketTimer(kind: .keepalive, expiresMilliseconds: 3_538_710, retransmits: 0)
        ),
        LineCase(
            line: "5471: 0100007F:E0B5 0100007F:8FA4 01 00000000:0000000B 00:00000000 00000000     0        0 659431 1 "
                + "0000000038cbc7ed 20 4 30 10 -1",
            state: .established,
            local: "127.0.0.1:57525",
            remote: "127.0.0.1:36772",
            recvQ: 11,
            sendQ: 0,
            inode: 659_431,
            uid: 0,
            timer: nil
        ),
        LineCase(
            line: "   8: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 481 1 "
                + "00000000b831d813 100 0 0 10 0",
            state: .listen,
            local: "*:2024",
            remote: "*:*",
            recvQ: 0,
            sendQ: 0,
            inode: 481,
            uid: 0,
            timer: nil
        ),
        LineCase(
            line: "4544: 020200C0:8476 01FFFF0A:0009 01 00000000:00000000 00:00000000 00000000     0        0 645823 1 "
                + "0000000098e6071c 20 0 0 10 -1",
            state: .established,
            local: "192.0.2.2:33910",
            remote: "10.255.255.1:9",
            recvQ: 0,
            sendQ: 0,
            inode: 645_823,
            uid: 0,
            timer: nil
        ),
        LineCase(
            line: "   1: 00000000000000000000000000000000:ABE5 00000000000000000000000000000000:0000 0A "
                + "00000000:00000000 00:00000000 00000000     0        0 645818 1 00000000afca1671 100 0 0 10 0",
            state: .listen,
            local: "*:44005",
            remote: "*:*",
            recvQ: 0,
            sendQ: 0,
            inode: 645_818,
            uid: 0,
            timer: nil
        ),
        LineCase(
            line: "  42: 00000000000000000000000001000000:B90C 00000000000000000000000001000000:ABE5 01 "
                + "00000000:00000000 00:00000000 00000000     0        0 645819 1 000000002becd8d7 20 0 0 10 -1",
            state: .established,
            local: "[::1]:47372",
            remote: "[::1]:44005",
            recvQ: 0,
            sendQ: 0,
            inode: 645_819,
            uid: 0,
            timer: nil
        ),
        LineCase(
            line: " 297: 0000000000000000FFFF00000100007F:ABE5 0000000000000000FFFF00000100007F:BBEA 01 "
                + "00000000:00000000 00:00000000 00000000     0        0 645822 1 000000005308a508 20 0 0 10 -1",
            state: .established,
            local: "[::ffff:127.0.0.1]:44005",
            remote: "[::ffff:127.0.0.1]:48106",
            recvQ: 0,
            sendQ: 0,
            inode: 645_822,
            uid: 0,
            timer: nil
        ),
        // Synthetic: retransmit timer with 3 retransmissions, 2 KiB unacknowledged, uid 1000.
        LineCase(
            line: "   5: 0100007F:1F90 0200000A:01BB 01 00000800:00000000 01:0000001E 00000003  1000        0 777 2 "
                + "0000000000000000 80 4 30 10 -1",
            state: .established,
            local: "127.0.0.1:8080",
            remote: "10.0.0.2:443",
            recvQ: 0,
            sendQ: 2048,
            inode: 777,
            uid: 1000,
            timer: SocketTimer(kind: .retransmit, expiresMilliseconds: 300, retransmits: 3)
        ),
        // Synthetic: zero window probe timer; its count is the `timeout` column (icsk_probes_out).
        LineCase(
            line: "   6: 0100007F:1F90 0200000A:01BB 01 00010000:00000000 04:00000064 00000000  1000        5 778 2 "
                + "0000000000000000 80 4 30 10 -1",
            state: .established,
            local: "127.0.0.1:8080",
            remote: "10.0.0.2:443",
            recvQ: 0,
            sendQ: 65_536,
            inode: 778,
            uid: 1000,
            timer: SocketTimer(kind: .zeroWindowProbe, expiresMilliseconds: 1000, retransmits: 5)
        ),
    ]

    @Test(arguments: lines)
    func parsesALine(_ example: LineCase) throws {
        let record = try #require(
            try Array(example.line.utf8).withUnsafeBytes {
                try ProcNetTCPParser.parseLine($0, file: "/proc/net/tcp", lineNumber: 2, netns: 42)
            }
        )
        #expect(record.state == example.state)
        #expect(record.local.description == example.local)
        #expect(record.remote.description == example.remote)
        #expect(record.recvQ == example.recvQ)
        #expect(record.sendQ == example.sendQ)
        #expect(record.inode == example.inode)
        #expect(record.uid == example.uid)
        #expect(record.timer == example.timer)
        #expect(record.netns == 42)
        #expect(record.cookie == 0)
    }

    @Test func clockTicksScaleTheTimer() throws {
        let line = " 910: 0100007F:8FB8 0100007F:E0B5 06 00000000:00000000 03:000016F7 00000000     0        0 0 3 0"
        let record = try #require(
            try Array(line.utf8).withUnsafeBytes {
                try ProcNetTCPParser.parseLine($0, file: "tcp", lineNumber: 1, clockTicksPerSecond: 1000)
            }
        )
        #expect(record.timer?.expiresMilliseconds == 5879)
    }

    @Test func headersAndBlankLinesAreSkipped() throws {
        for line in [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "", "   ",
        ] {
            let record = try Array(line.utf8).withUnsafeBytes {
                try ProcNetTCPParser.parseLine($0, file: "tcp", lineNumber: 1)
            }
            #expect(record == nil)
        }
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        let line: String
        let problem: String
        var testDescription: String { problem }
    }

    static let good =
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12 1 0"

    static let badLines: [BadCase] = [
        BadCase(line: "   0: 0100007F:1F90 00000000:0000 0A", problem: "expected at least 10 fields, found 4"),
        BadCase(line: good.replacingFirst("0100007F:1F90", with: "0100007:1F90"), problem: "bad local address"),
        BadCase(line: good.replacingFirst("0100007F:1F90", with: "0100007F-1F90"), problem: "bad local address"),
        BadCase(line: good.replacingFirst("0100007F:1F90", with: "0100G07F:1F90"), problem: "bad local address"),
        BadCase(line: good.replacingFirst("00000000:0000", with: "00000000:00000"), problem: "bad remote address"),
        BadCase(
            line: good.replacingFirst("00000000:0000", with: "00000000000000000000000000000000:0000"),
            problem: "local and remote addresses of different families"
        ),
        BadCase(line: good.replacingFirst(" 0A ", with: " 00 "), problem: "bad state"),
        BadCase(line: good.replacingFirst(" 0A ", with: " 0D "), problem: "bad state"),
        BadCase(line: good.replacingFirst(" 0A ", with: " 0A0 "), problem: "bad state"),
        BadCase(line: good.replacingFirst("00000000:00000000", with: "00000000"), problem: "bad tx_queue:rx_queue"),
        BadCase(
            line: good.replacingFirst("00000000:00000000", with: "100000000:00000000"),
            problem: "bad tx_queue:rx_queue"
        ),
        BadCase(line: good.replacingFirst(" 00:00000000 ", with: " 00:0000000X "), problem: "bad tr:tm->when"),
        BadCase(line: good.replacingFirst("    0        0 12", with: "   -1        0 12"), problem: "bad uid"),
        BadCase(line: good.replacingFirst("        0 12", with: "        x 12"), problem: "bad timeout"),
        BadCase(line: good.replacingFirst(" 12 1 0", with: " 1x2 1 0"), problem: "bad inode"),
        BadCase(line: good.replacingFirst("   0:", with: "   0;"), problem: "slot number \"sl:\" expected first"),
    ]

    @Test(arguments: badLines)
    func rejectsAMalformedLine(_ example: BadCase) {
        let error = #expect(throws: LinuxError.self) {
            try Array(example.line.utf8).withUnsafeBytes {
                try ProcNetTCPParser.parseLine($0, file: "/proc/net/tcp", lineNumber: 7)
            }
        }
        #expect(error?.code == .malformedProcData)
        #expect(error?.message.hasPrefix("/proc/net/tcp line 7: \(example.problem)") == true, "\(error?.message ?? "")")
    }

    @Test func parsesTheRecordedFiles() throws {
        for (name, family, count) in [("tcp", IPAddress.Family.ipv4, 17), ("tcp6", .ipv6, 6)] {
            let bytes = try ProcTestSupport.fixture(name)
            let records = try bytes.withUnsafeBytes { try ProcNetTCPParser.parse($0, file: name, netns: 7) }
            #expect(records.count == count)
            #expect(records.allSatisfy { $0.local.address.family == family && $0.netns == 7 })
        }
    }

    @Test func errorsNameTheLineOfAWholeFile() throws {
        var bytes = try ProcTestSupport.fixture("tcp")
        bytes += Array("  99: garbage\n".utf8)
        let error = #expect(throws: LinuxError.self) {
            try bytes.withUnsafeBytes { try ProcNetTCPParser.parse($0, file: "/proc/net/tcp") }
        }
        #expect(error?.message.hasPrefix("/proc/net/tcp line 19: ") == true, "\(error?.message ?? "")")
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
