import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

/// Decodes the recorded kernel replies under Fixtures/netlink (see its README.md).
struct InetDiagDecoderFixtureTests {
    static let ipv4Lines = [
        "LISTEN 127.0.0.1:42703 *:* rq=0 sq=16 inode=116986 uid=0 cookie=5297 shutdown=0"
            + " rtt=0/0 last=0/0/0 acked=0 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "LISTEN 127.0.0.1:56505 *:* rq=0 sq=4 inode=116993 uid=0 cookie=5298 shutdown=0"
            + " rtt=0/0 last=0/0/0 acked=0 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "CLOSE_WAIT 127.0.0.1:42703 127.0.0.1:58042 rq=1 sq=0 inode=116990 uid=0 cookie=5299 shutdown=1"
            + " rtt=8/4 last=16/16/16 acked=0 received=1 unacked=0 retrans=0/0 probes=0 backoff=0",
        "ESTABLISHED 127.0.0.1:42703 127.0.0.1:58034 rq=3 sq=0 inode=116988 uid=0 cookie=5300 shutdown=0"
            + " rtt=15/7 last=16/16/16 acked=0 received=3 unacked=0 retrans=0/0 probes=0 backoff=0",
        "ESTABLISHED 127.0.0.1:50160 127.0.0.1:56505 rq=0 sq=0 inode=116994 uid=0 cookie=5301 shutdown=0"
            + " rtt=13/6 last=16/16/16 acked=1 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "ESTABLISHED 127.0.0.1:58034 127.0.0.1:42703 rq=0 sq=0 inode=116987 uid=0 cookie=5302 shutdown=0"
            + " rtt=15/8 last=16/16/16 acked=4 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "FIN_WAIT2 127.0.0.1:58042 127.0.0.1:42703 rq=0 sq=0 inode=116989 uid=0 cookie=5303 shutdown=2"
            + " rtt=68/127 last=16/16/12 acked=2 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "TIME_WAIT 127.0.0.1:58054 127.0.0.1:42703 rq=0 sq=0 inode=0 uid=0 cookie=5304 timer=timewait:59984ms/0",
        "SYN_RECV 127.0.0.1:56505 127.0.0.1:50160 rq=0 sq=0 inode=0 uid=0 cookie=5305 timer=on:984ms/0",
    ]

    static let ipv6Lines = [
        "LISTEN [::1]:56461 *:* rq=0 sq=16 inode=116995 uid=0 cookie=5306 shutdown=0"
            + " rtt=0/0 last=0/0/0 acked=0 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "LISTEN [::1]:40283 *:* rq=0 sq=4 inode=117002 uid=0 cookie=5307 shutdown=0"
            + " rtt=0/0 last=0/0/0 acked=0 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "ESTABLISHED [::1]:56461 [::1]:56774 rq=3 sq=0 inode=116997 uid=0 cookie=5308 shutdown=0"
            + " rtt=73/36 last=16/16/16 acked=0 received=3 unacked=0 retrans=0/0 probes=0 backoff=0",
        "ESTABLISHED [::1]:34806 [::1]:40283 rq=0 sq=0 inode=117003 uid=0 cookie=5309 shutdown=0"
            + " rtt=14/7 last=16/16/16 acked=1 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "ESTABLISHED [::1]:56774 [::1]:56461 rq=0 sq=0 inode=116996 uid=0 cookie=5310 shutdown=0"
            + " rtt=62/35 last=16/16/16 acked=4 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "FIN_WAIT2 [::1]:56784 [::1]:56461 rq=0 sq=0 inode=116998 uid=0 cookie=5311 shutdown=2"
            + " rtt=499/983 last=16/16/12 acked=2 received=0 unacked=0 retrans=0/0 probes=0 backoff=0",
        "TIME_WAIT [::1]:56794 [::1]:56461 rq=0 sq=0 inode=0 uid=0 cookie=5312 timer=timewait:59984ms/0",
        "SYN_RECV [::1]:40283 [::1]:34806 rq=0 sq=0 inode=0 uid=0 cookie=5313 timer=on:984ms/0",
        "CLOSE_WAIT [::1]:56461 [::1]:56784 rq=1 sq=0 inode=116999 uid=0 cookie=5314 shutdown=1"
            + " rtt=12/6 last=16/16/16 acked=0 received=1 unacked=0 retrans=0/0 probes=0 backoff=0",
    ]

    static func decode(
        _ bytes: [UInt8],
        _ options: InetDiagDecoder.Options
    ) throws(NetlinkReplyError) -> (records: [SocketRecord], progress: InetDiagDecoder.Progress) {
        try InetDiagDecoder.decodeAll(bytes, options: options)
    }

    static let everything = InetDiagDecoder.Options(includeInfo: true, includeShutdown: true, sequence: 1, netns: 4242)

    @Test(arguments: [("ipv4-states-info.hex", ipv4Lines), ("ipv6-states-info.hex", ipv6Lines)])
    func decodesEveryField(fixture: String, expected: [String]) throws {
        let (records, progress) = try Self.decode(try NetlinkFixtures.load(fixture), Self.everything)
        #expect(records.map(recordLine) == expected)
        #expect(progress.finished)
        #expect(!progress.interrupted)
        #expect(progress.records == 9)
        #expect(progress.staleMessages == 0 && progress.unknownStates == 0)
        #expect(records.allSatisfy { $0.netns == 4242 })
    }

    /// The message annotated byte by byte in Fixtures/netlink/README.md.
    @Test func annotatedMessageMatchesTheReadme() throws {
        let (records, _) = try Self.decode(try NetlinkFixtures.load("ipv4-states-info.hex"), Self.everything)
        let closeWait = try #require(records.first { $0.state == .closeWait })
        let loopback = IPAddress(ipv4: 0x7f00_0001)
        let expected = SocketRecord(
            state: .closeWait,
            local: Endpoint(address: loopback, port: 42703),
            remote: Endpoint(address: loopback, port: 58042),
            recvQ: 1,
            sendQ: 0,
            inode: 116990,
            uid: 0,
            timer: nil,
            cookie: 5299,
            netns: 4242,
            tcpInfo: TCPInfoSummary(
                lastDataSentMilliseconds: 16,
                lastDataReceivedMilliseconds: 16,
                lastAckReceivedMilliseconds: 16,
                rttMicroseconds: 8,
                rttVarianceMicroseconds: 4,
                bytesReceived: 1
            ),
            shutdown: .receive
        )
        #expect(closeWait == expected)
    }

    @Test(arguments: ["ipv4-states-info.hex", "ipv6-states-info.hex"])
    func extensionsAreDecodedOnlyWhenAsked(fixture: String) throws {
        let bytes = try NetlinkFixtures.load(fixture)
        let (plain, _) = try Self.decode(bytes, InetDiagDecoder.Options(sequence: 1))
        let (full, _) = try Self.decode(bytes, Self.everything)
        #expect(plain.count == 9)
        #expect(plain.allSatisfy { $0.tcpInfo == nil && $0.shutdown == nil && $0.netns == 0 })
        // Everything else is the same record.
        let stripped = full.map { record in
            var record = record
            record.tcpInfo = nil
            record.shutdown = nil
            record.netns = 0
            return record
        }
        #expect(stripped == plain)
        // Mini sockets (TIME_WAIT, request sockets) carry neither attribute even when asked.
        for record in full where record.state == .timeWait || record.state == .synReceived {
            #expect(record.tcpInfo == nil && record.shutdown == nil)
        }
    }

    @Test func anotherSequenceIsSkippedAsStale() throws {
        let bytes = try NetlinkFixtures.load("ipv4-states-info.hex")
        let (records, progress) = try Self.decode(bytes, InetDiagDecoder.Options(sequence: 2))
        #expect(records.isEmpty)
        #expect(progress.staleMessages == 10)
        // The DONE was stale too, so the decoder is still waiting for ours.
        #expect(!progress.finished)
    }

    /// Every prefix of a real reply decodes to an error with an offset inside the prefix, or to
    /// an unfinished dump: never a trap, never a record past the cut.
    @Test(arguments: ["ipv4-states-info.hex", "ipv6-states-info.hex"])
    func everyTruncationIsAnErrorOrUnfinished(fixture: String) throws {
        let bytes = try NetlinkFixtures.load(fixture)
        let (all, _) = try Self.decode(bytes, Self.everything)
        for length in 0..<bytes.count {
            let prefix = Array(bytes[0..<length])
            do {
                let (records, progress) = try Self.decode(prefix, Self.everything)
                #expect(!progress.finished, "prefix \(length)")
                #expect(records == Array(all.prefix(records.count)), "prefix \(length)")
            } catch {
                #expect(error.offset >= 0 && error.offset < length, "prefix \(length): \(error)")
            }
        }
    }
}
