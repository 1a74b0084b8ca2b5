import Foundation
import TCPDoctorCore
import Testing

@testable import TCPDoctorLinux

/// Decode throughput on 200k synthetic messages: a measurement, not a test. Runs only with
/// TCPDOCTOR_MEASURE=1 and prints its numbers; it asserts the count, never a time.
///
///     TCPDOCTOR_MEASURE=1 swift test -c release -Xswiftc -enable-testing --filter DecodeThroughputCheck
struct DecodeThroughputCheck {
    static let enabled = ProcessInfo.processInfo.environment["TCPDOCTOR_MEASURE"] == "1"
    static let count = 200_000

    /// 200k copies of the recorded messages (with tcp_info: 408 bytes for full sockets).
    static func withInfo() throws -> [UInt8] {
        let fixture = try NetlinkFixtures.load("ipv4-states-info.hex")
        let messages = Array(fixture.dropLast(20))  // without NLMSG_DONE
        var bytes: [UInt8] = []
        bytes.reserveCapacity(messages.count * (count / 9 + 1))
        for _ in 0..<(count / 9 + 1) { bytes += messages }
        return bytes
    }

    /// 200k messages shaped like a dump without extensions (124 bytes: SHUTDOWN, MARK, CGROUP_ID,
    /// SOCKOPT attributes).
    static func withoutInfo() -> [UInt8] {
        typealias B = NetlinkMessageBuilder
        let attributes =
            B.attribute(type: 8, payload: [0]) + B.attribute(type: 15, payload: B.u32(0))
            + B.attribute(type: 21, payload: B.u32(1) + B.u32(0)) + B.attribute(type: 22, payload: [0x52, 0])
        let message = B.socket(state: 1, attributes: attributes, sequence: 1)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.count * count)
        for _ in 0..<count { bytes += message }
        return bytes
    }

    @Test(.enabled(if: enabled)) func measure() throws {
        for (label, bytes, info) in [
            ("with INET_DIAG_INFO", try Self.withInfo(), true), ("no extensions", Self.withoutInfo(), false),
        ] {
            let options = InetDiagDecoder.Options(includeInfo: info, includeShutdown: true, sequence: 1, netns: 1)
            var best = Duration.seconds(1000)
            var records = 0
            for _ in 0..<5 {
                var checksum: UInt64 = 0
                let start = ContinuousClock.now
                let progress = try bytes.withUnsafeBytes { raw in
                    try InetDiagDecoder.decode(raw, options: options) { record in
                        checksum &+=
                            UInt64(record.local.port) &+ record.inode &+ UInt64(record.tcpInfo?.rttMicroseconds ?? 0)
                    }
                }
                best = min(best, ContinuousClock.now - start)
                records = progress.records
                #expect(checksum != 0)
            }
            let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
            print(
                "decode \(label): \(records) messages, \(bytes.count / 1024) KiB in \(Int(seconds * 1000)) ms"
                    + " (\(Int(seconds * 1e9 / Double(records))) ns/message)"
            )
            #expect(records >= Self.count)
        }
    }

    /// A real dump of ~18k loopback sockets: receiving only, then receiving and decoding.
    @Test(.enabled(if: enabled)) func liveDump() throws {
        let listener = try TestSocket.listener(.ipv4, backlog: 4096)
        let port = try listener.port()
        var sockets: [TestSocket] = []
        for _ in 0..<9000 {
            sockets.append(try TestSocket.client(.ipv4, to: port))
            sockets.append(try listener.accept())
        }
        let socket = try NetlinkSocket()
        var sequence: UInt32 = 100
        func run(decode: Bool) throws -> (Duration, Int) {
            sequence += 1
            let options = InetDiagDecoder.Options(sequence: sequence)
            var records = 0
            let start = ContinuousClock.now
            try socket.send(InetDiagRequest.encode(family: .ipv4, states: .all, includeInfo: false, sequence: sequence))
            while true {
                let datagram = try socket.receive()
                if decode {
                    let progress = try InetDiagDecoder.decode(datagram, options: options) { _ in records += 1 }
                    if progress.finished { break }
                } else {
                    // The last datagram of a dump is NLMSG_DONE alone (20 bytes).
                    if datagram.count == 20 && datagram.loadUnaligned(fromByteOffset: 4, as: UInt16.self) == 3 { break }
                }
            }
            return (ContinuousClock.now - start, records)
        }
        for decode in [false, true, false, true] {
            var best = Duration.seconds(1000)
            var records = 0
            for _ in 0..<5 {
                let (time, count) = try run(decode: decode)
                best = min(best, time)
                records = count
            }
            print("live dump \(decode ? "recv+decode" : "recv only  "): \(best) (\(records) records)")
            if decode { #expect(records > 18_000) }
        }
        withExtendedLifetime(sockets) {}
    }
}
