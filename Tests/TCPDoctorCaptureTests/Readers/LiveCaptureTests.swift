import Foundation
import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

/// How to record one variant of a real loopback capture.
struct RecordingVariant: Sendable, CustomTestStringConvertible {
    var name: String
    var tool: String
    /// Arguments with `FILE` and `PORT` to fill in.
    var arguments: [String]
    var readyMarker: String
    var ipv6 = false
    var format: CaptureFormat
    var linkType: LinkType
    /// Whether timestamps are in nanoseconds (else their last three digits are zero).
    var nanoseconds = false

    var testDescription: String { name }

    // `-B 32768`: in immediate mode libpcap sizes each ring frame by the snaplen, so the default
    // 2 MiB buffer holds only 8 frames of 256 KiB and `any` drops packets of a quick conversation.
    static let all: [RecordingVariant] = [
        RecordingVariant(
            name: "tcpdump -i lo, pcap, microseconds",
            tool: LiveCapture.tcpdump,
            arguments: ["-i", "lo", "-U", "--immediate-mode", "-B", "32768", "-w", "FILE", "tcp port PORT"],
            readyMarker: "listening on",
            format: .pcap,
            linkType: .ethernet
        ),
        RecordingVariant(
            name: "tcpdump -i lo over IPv6, nanoseconds",
            tool: LiveCapture.tcpdump,
            arguments: [
                "-i", "lo", "-U", "--immediate-mode", "-B", "32768", "--time-stamp-precision", "nano", "-w", "FILE",
                "tcp port PORT",
            ],
            readyMarker: "listening on",
            ipv6: true,
            format: .pcap,
            linkType: .ethernet,
            nanoseconds: true
        ),
        RecordingVariant(
            name: "tcpdump -i any, LINUX_SLL",
            tool: LiveCapture.tcpdump,
            arguments: [
                "-i", "any", "-y", "LINUX_SLL", "-U", "--immediate-mode", "-B", "32768", "-w", "FILE", "tcp port PORT",
            ],
            readyMarker: "listening on",
            format: .pcap,
            linkType: .linuxSLL
        ),
        RecordingVariant(
            name: "tcpdump -i any, LINUX_SLL2, nanoseconds, IPv6",
            tool: LiveCapture.tcpdump,
            arguments: [
                "-i", "any", "-y", "LINUX_SLL2", "-U", "--immediate-mode", "-B", "32768", "--time-stamp-precision",
                "nano",
                "-w", "FILE", "tcp port PORT",
            ],
            readyMarker: "listening on",
            ipv6: true,
            format: .pcap,
            linkType: .linuxSLL2,
            nanoseconds: true
        ),
        RecordingVariant(
            name: "dumpcap -n (pcapng)",
            tool: LiveCapture.dumpcap,
            arguments: ["-i", "lo", "-n", "-f", "tcp port PORT", "-w", "FILE"],
            readyMarker: "Capturing on",
            format: .pcapng,
            linkType: .ethernet,
            nanoseconds: true
        ),
    ]
}

/// Records real TCP conversations on loopback with tcpdump and dumpcap and reads them back.
@Suite(.serialized, .enabled(if: LiveCapture.isRoot, "needs root to capture on loopback"))
struct LiveCaptureTests {
    /// Records one conversation; returns the capture's path, the client and the server port.
    static func record(
        _ variant: RecordingVariant,
        in directory: TemporaryDirectory
    ) throws -> (path: String, client: UInt16, server: UInt16, diagnostics: String) {
        let path = directory.file("live." + variant.format.rawValue)
        let (listener, port) = try LoopbackConversation.listen(ipv6: variant.ipv6)
        let arguments = variant.arguments.map {
            $0.replacingOccurrences(of: "FILE", with: path).replacingOccurrences(of: "PORT", with: "\(port)")
        }
        let capture = try CaptureProcess(
            variant.tool,
            arguments,
            readyMarker: variant.readyMarker,
            errorPath: directory.file("tool.err")
        )
        defer { capture.stop() }
        // Probe until the tool demonstrably writes packets: its "ready" message comes too early.
        var capturing = false
        let probeDeadline = Date().addingTimeInterval(15)
        while !capturing && Date() < probeDeadline {
            let probePort = try LoopbackConversation.probe(listener: listener, port: port, ipv6: variant.ipv6)
            capturing = waitForSegment(in: path, seconds: 1) { $0.source.port == probePort && $0.flags == .syn }
        }
        try #require(capturing, "\(variant.tool) never wrote a probe packet: \(capture.diagnostics)")
        let clientPort = try LoopbackConversation.run(listener: listener, port: port, ipv6: variant.ipv6)
        // The tool writes each packet as it comes (-U, or dumpcap's default): wait until the last
        // ACK of the close is in the file, then stop it. Bounded, so a lost packet fails the test
        // below instead of hanging it.
        var finCount = 0
        _ = waitForSegment(in: path, seconds: 10) { segment in
            guard segment.source.port == clientPort || segment.destination.port == clientPort else { return false }
            if segment.flags.contains(.fin) { finCount += 1 }
            return finCount >= 2 && segment.flags == .ack
        }
        capture.stop()
        return (path, clientPort, port, capture.diagnostics)
    }

    /// Rereads the capture at `path` until a segment satisfies `condition`, for at most `seconds`.
    static func waitForSegment(in path: String, seconds: Double, _ condition: (TCPSegment) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            var found = false
            _ = try? CaptureReader.readSegments(from: path, onSegment: { if condition($0) { found = true } })
            if found { return true }
            usleep(20_000)
        } while Date() < deadline
        return false
    }

    @Test(arguments: RecordingVariant.all)
    func recordedConversationReadsBack(_ variant: RecordingVariant) throws {
        try #require(LiveCapture.toolExists(variant.tool), "\(variant.tool) is not installed")
        let directory = try TemporaryDirectory()
        let (path, clientPort, serverPort, diagnostics) = try Self.record(variant, in: directory)

        var packets: [ReadPacket] = []
        let format = try CaptureReader.forEachPacket(inFile: path, onPacket: { packets.append(ReadPacket($0)) })
        #expect(format == variant.format)
        #expect(packets.allSatisfy { $0.linkType == variant.linkType })

        var segments: [TCPSegment] = []
        var warnings: [CaptureError] = []
        let statistics = try CaptureReader.readSegments(
            from: path,
            onSegment: { segments.append($0) },
            onWarning: { warnings.append($0) }
        )
        #expect(warnings.isEmpty)
        #expect(statistics.packets == statistics.tcpSegments)
        #expect(statistics.tcpSegments == UInt64(segments.count))
        #expect(segments.map(\.packetNumber) == (0..<segments.count).map { UInt64($0 + 1) })
        #expect(zip(segments, segments.dropFirst()).allSatisfy { $0.timestampNanoseconds <= $1.timestampNanoseconds })
        if !variant.nanoseconds {
            #expect(segments.allSatisfy { $0.timestampNanoseconds % 1_000 == 0 })
        }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        #expect(segments.allSatisfy { abs($0.timestampNanoseconds - now) < 120_000_000_000 })

        let loopback = variant.ipv6 ? IPAddress("::1") : IPAddress("127.0.0.1")
        let client = Endpoint(address: try #require(loopback), port: clientPort)
        let server = Endpoint(address: try #require(loopback), port: serverPort)
        // Probe connections come first; the conversation is every segment of the client's port.
        #expect(segments.allSatisfy { $0.source == server || $0.destination == server })
        segments = segments.filter { $0.source == client || $0.destination == client }
        #expect(
            segments.allSatisfy {
                ($0.source, $0.destination) == (client, server) || ($0.source, $0.destination) == (server, client)
            }
        )

        // The handshake, the two payloads and the client-first close, in this order (captures on
        // `any` may see a packet twice; the order of the events is what counts).
        let events: [(TCPSegment) -> Bool] = [
            { $0.source == client && $0.flags == .syn && $0.options.maximumSegmentSize != nil },
            { $0.source == server && $0.flags == [.syn, .ack] },
            { $0.source == client && $0.payloadLength == 5 },
            { $0.source == server && $0.payloadLength == 5 },
            { $0.source == client && $0.flags.contains(.fin) },
            { $0.source == server && $0.flags.contains(.fin) },
            { $0.source == client && $0.flags == .ack },
        ]
        var next = 0
        for segment in segments where next < events.count && events[next](segment) { next += 1 }
        let listing = segments.map {
            "\($0.source.port)>\($0.destination.port) \($0.flags.rawValue) \($0.payloadLength)"
        }
        #expect(next == events.count, "matched \(next) of \(events.count) events in \(listing); \(diagnostics)")
        let syn = try #require(segments.first)
        #expect(syn.flags == .syn)
        #expect(syn.options.maximumSegmentSize == (variant.ipv6 ? 65_476 : 65_495))
        #expect(syn.options.sackPermitted)
        #expect(syn.options.timestamp != nil)
        #expect(syn.options.windowScale != nil)
    }

    @Test(arguments: RecordingVariant.all)
    func fieldsAgreeWithTshark(_ variant: RecordingVariant) throws {
        try #require(LiveCapture.toolExists(variant.tool), "\(variant.tool) is not installed")
        try #require(LiveCapture.toolExists(LiveCapture.tshark), "tshark is not installed")
        let directory = try TemporaryDirectory()
        let path = try Self.record(variant, in: directory).path
        var segments: [TCPSegment] = []
        _ = try CaptureReader.readSegments(from: path, onSegment: { segments.append($0) })

        let fields = [
            "frame.number", "frame.time_epoch", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw",
            "tcp.flags", "tcp.len", "tcp.window_size_value", "tcp.options.mss_val", "tcp.options.wscale.shift",
        ]
        let rows = try TShark.fields(fields, of: path)
        try #require(rows.count == segments.count, "tshark sees \(rows.count) packets, the reader \(segments.count)")
        for (row, segment) in zip(rows, segments) {
            let mine = [
                "\(segment.packetNumber)",
                TShark.epoch(segment.timestampNanoseconds),
                "\(segment.source.port)",
                "\(segment.destination.port)",
                "\(segment.sequence)",
                segment.flags.contains(.ack) ? "\(segment.acknowledgment)" : row[5],
                TShark.hex(segment.flags.rawValue),
                "\(segment.payloadLength)",
                "\(segment.window)",
                segment.options.maximumSegmentSize.map { "\($0)" } ?? "",
                segment.options.windowScale.map { "\($0)" } ?? "",
            ]
            #expect(row == mine)
        }
    }
}

/// Runs tshark and reads its `-T fields` output.
enum TShark {
    /// - Parameter lastOccurrence: print the last occurrence of a repeated field (the innermost
    ///   header of a tunnel) rather than all of them.
    static func fields(_ names: [String], of path: String, lastOccurrence: Bool = false) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LiveCapture.tshark)
        process.arguments =
            ["-r", path, "-n", "-T", "fields", "-E", "separator=|"] + (lastOccurrence ? ["-E", "occurrence=l"] : [])
            + names.flatMap { ["-e", $0] }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        try process.waitUntilExit(timeout: .seconds(120))
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// `1700000000.123456789`, as tshark prints `frame.time_epoch`.
    static func epoch(_ nanoseconds: Int64) -> String {
        let fraction = String(nanoseconds % 1_000_000_000)
        return "\(nanoseconds / 1_000_000_000)." + String(repeating: "0", count: 9 - fraction.count) + fraction
    }

    /// `0x0012`, as tshark prints `tcp.flags`.
    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
