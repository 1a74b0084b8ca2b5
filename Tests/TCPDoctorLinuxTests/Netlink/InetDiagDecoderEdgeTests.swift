import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

/// Well-formed replies that exercise the decoder's less common paths.
struct InetDiagDecoderEdgeTests {
    typealias B = NetlinkMessageBuilder
    static let options = InetDiagDecoder.Options(includeInfo: true, includeShutdown: true, sequence: 7, netns: 9)

    @Test func fieldsOfASyntheticMessage() throws {
        let (records, progress) = try InetDiagDecoder.decodeAll(B.socket(state: 8) + B.done(), options: Self.options)
        #expect(progress.finished && progress.records == 1)
        let record = try #require(records.first)
        #expect(record.state == .closeWait)
        #expect(record.local == Endpoint(address: IPAddress(ipv4: 0x0a00_0001), port: 80))
        #expect(record.remote == Endpoint(address: IPAddress(ipv4: 0x0a00_0002), port: 40000))
        #expect(record.recvQ == 1 && record.sendQ == 2 && record.uid == 1000 && record.inode == 777)
        #expect(record.cookie == 0x0000_0005_1122_3344)
        #expect(record.timer == nil)
        #expect(record.netns == 9)
    }

    @Test(arguments: [
        (UInt8(1), UInt32(1500), SocketTimer(kind: .retransmit, expiresMilliseconds: 1500, retransmits: 3)),
        (2, 75_000, SocketTimer(kind: .keepalive, expiresMilliseconds: 75_000, retransmits: 3)),
        (3, 59_000, SocketTimer(kind: .timeWait, expiresMilliseconds: 59_000, retransmits: 3)),
        (4, 200, SocketTimer(kind: .zeroWindowProbe, expiresMilliseconds: 200, retransmits: 3)),
        // An overdue timer on an old kernel wrapped below zero.
        (1, 0xffff_fff6, SocketTimer(kind: .retransmit, expiresMilliseconds: -10, retransmits: 3)),
    ])
    func timers(kind: UInt8, expires: UInt32, expected: SocketTimer) {
        #expect(InetDiagDecoder.timer(kind: kind, expires: expires, retransmits: 3) == expected)
    }

    @Test(arguments: [UInt8(0), 5, 255])
    func noOrUnknownTimerIsNil(kind: UInt8) {
        #expect(InetDiagDecoder.timer(kind: kind, expires: 10, retransmits: 0) == nil)
    }

    @Test func ackNoopAndDumpInterruptedFlag() throws {
        let bytes = B.error(0) + B.message(type: 1, payload: []) + B.socket(flags: 0x12) + B.done()
        let (records, progress) = try InetDiagDecoder.decodeAll(bytes, options: Self.options)
        #expect(records.count == 1)
        #expect(progress.finished)
        #expect(progress.interrupted)
    }

    @Test func bytesAfterDoneAreNotRead() throws {
        let (records, progress) = try InetDiagDecoder.decodeAll(B.done() + [0xff, 0xff], options: Self.options)
        #expect(records.isEmpty && progress.finished)
    }

    @Test func unknownStateIsCountedNotDecoded() throws {
        // 13 is Linux 6.7's TCP_BOUND_INACTIVE, which tcpdoctor does not model.
        let (records, progress) = try InetDiagDecoder.decodeAll(B.socket(state: 13) + B.done(), options: Self.options)
        #expect(records.isEmpty)
        #expect(progress.unknownStates == 1)
    }

    @Test func newSynReceivedIsReportedAsSynReceived() throws {
        let (records, _) = try InetDiagDecoder.decodeAll(B.socket(state: 12), options: Self.options)
        #expect(records.map(\.state) == [.synReceived])
    }

    @Test func ipv6AddressesUseAll16Bytes() throws {
        var message = B.inetDiagMessage(family: 10, state: 10)
        let local: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]
        let remote: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7]
        message.replaceSubrange(8..<24, with: local)
        message.replaceSubrange(24..<40, with: remote)
        let (records, _) = try InetDiagDecoder.decodeAll(B.message(type: 20, payload: message), options: Self.options)
        let record = try #require(records.first)
        #expect(record.local.description == "[2001:db8::1]:80")
        #expect(record.remote.description == "[::ffff:192.0.2.7]:40000")
        #expect(record.remote.address.ipv4Value == 0xc000_0207)
    }

    @Test func shortTCPInfoLeavesTheRestZero() throws {
        // An old kernel's tcp_info: only the first 8 bytes (state .. wscale).
        let info: [UInt8] = [1, 0, 3, 2, 1, 0, 0, 0]
        let bytes = B.socket(attributes: B.attribute(type: 2, payload: info))
        let (records, _) = try InetDiagDecoder.decodeAll(bytes, options: Self.options)
        let summary = try #require(records.first?.tcpInfo)
        #expect(summary == TCPInfoSummary(retransmits: 3, probes: 2, backoff: 1))
    }

    @Test func longTCPInfoIsReadAtTheKernelOffsets() throws {
        // A future kernel's tcp_info, longer than csd_tcp_info: the extra bytes are ignored.
        var info = [UInt8](repeating: 0, count: 400)
        func put(_ value: UInt32, at offset: Int) { info.replaceSubrange(offset..<offset + 4, with: B.u32(value)) }
        put(5, at: 24)  // tcpi_unacked
        put(1000, at: 44)  // tcpi_last_data_sent
        put(2000, at: 52)  // tcpi_last_data_recv
        put(3000, at: 56)  // tcpi_last_ack_recv
        put(250, at: 68)  // tcpi_rtt
        put(125, at: 72)  // tcpi_rttvar
        put(9, at: 100)  // tcpi_total_retrans
        info.replaceSubrange(120..<128, with: B.u32(77) + B.u32(1))  // tcpi_bytes_acked
        info.replaceSubrange(128..<136, with: B.u32(88) + B.u32(0))  // tcpi_bytes_received
        info.replaceSubrange(232..<400, with: [UInt8](repeating: 0xee, count: 168))
        let bytes = B.socket(attributes: B.attribute(type: 2, payload: info))
        let (records, _) = try InetDiagDecoder.decodeAll(bytes, options: Self.options)
        let expected = TCPInfoSummary(
            lastDataSentMilliseconds: 1000,
            lastDataReceivedMilliseconds: 2000,
            lastAckReceivedMilliseconds: 3000,
            rttMicroseconds: 250,
            rttVarianceMicroseconds: 125,
            totalRetransmits: 9,
            unacked: 5,
            bytesReceived: 88,
            bytesAcked: 1 << 32 | 77
        )
        #expect(records.first?.tcpInfo == expected)
    }

    @Test func unknownAndFlaggedAttributes() throws {
        // An unknown attribute is skipped by length; NLA_F_NET_BYTEORDER (0x4000) is masked off.
        let attributes = B.attribute(type: 99, payload: [1, 2, 3, 4, 5]) + B.attribute(type: 0x4008, payload: [3])
        let (records, _) = try InetDiagDecoder.decodeAll(B.socket(attributes: attributes), options: Self.options)
        #expect(records.first?.shutdown == [.receive, .send])
    }
}
