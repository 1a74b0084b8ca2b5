import Foundation
import Glibc
import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorTestSupport

/// Helpers for recording real loopback connections with tcpdump and analysing the result.
enum Recording {
    /// tcpdump's arguments for a capture of one port on `lo`. `-B 32768`: in immediate mode the ring
    /// frames are snaplen-sized, and the default buffer would hold only a few of them.
    static func tcpdumpArguments(path: String, port: UInt16) -> [String] {
        ["-i", "lo", "-U", "--immediate-mode", "-B", "32768", "-s", "0", "-w", path, "tcp port \(port)"]
    }

    /// Connects probes to `listener` until the capture shows one: tcpdump prints "listening on"
    /// a moment before packets really reach the file.
    static func waitUntilCapturing(_ path: String, listener: LoopbackSocket) throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let probe = try LoopbackSocket.connect(to: listener.port)
            let accepted = try listener.accept()
            let probePort = probe.port
            probe.close()
            accepted.close()
            if LiveCaptureTests.waitForSegment(
                in: path,
                seconds: 1,
                { $0.source.port == probePort && $0.flags == .syn }
            ) {
                return
            }
        }
        throw CaptureProcessError(message: "tcpdump wrote no probe packet to \(path) in 15 s")
    }

    /// The capture's connections, as `tcpdoctor capture` builds them, and its segments.
    static func analyze(
        _ path: String,
        configuration: ConnectionAnalyzer.Configuration = .init()
    ) throws -> (connections: [Connection], segments: [TCPSegment]) {
        var analyzer = ConnectionAnalyzer(configuration: configuration)
        var connections: [Connection] = []
        var segments: [TCPSegment] = []
        var last: Int64 = 0
        _ = try CaptureReader.readSegments(
            from: path,
            onSegment: { segment in
                segments.append(segment)
                last = max(last, segment.timestampNanoseconds)
                analyzer.process(segment)
                connections += analyzer.takeFinished()
            }
        )
        analyzer.finish(atEndNanoseconds: last)
        return (connections + analyzer.takeFinished(), segments)
    }

    /// The segments of `connection`: its 4-tuple within its packet range.
    static func segments(of connection: Connection, in segments: [TCPSegment]) -> [TCPSegment] {
        segments.filter { segment in
            guard segment.packetNumber >= connection.firstPacketNumber,
                segment.packetNumber <= connection.lastPacketNumber
            else { return false }
            let forward = segment.source == connection.originator && segment.destination == connection.responder
            let backward = segment.source == connection.responder && segment.destination == connection.originator
            return forward || backward
        }
    }

    /// Runs a command to completion; true when it exited 0.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try process.waitUntilExit(timeout: .seconds(120))
        return process.terminationStatus == 0
    }

    static var ipPath: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { access($0, X_OK) == 0 }
    }
}

/// SYN, FIN and RST counts in each direction of a connection.
struct FlagCounts: Hashable, CustomStringConvertible {
    var forward = [0, 0, 0]
    var backward = [0, 0, 0]

    mutating func count(flags: TCPFlags, forward isForward: Bool) {
        let marks = [flags.contains(.syn), flags.contains(.fin), flags.contains(.rst)]
        for (index, set) in marks.enumerated() where set {
            if isForward { forward[index] += 1 } else { backward[index] += 1 }
        }
    }

    var description: String { "originator SYN/FIN/RST \(forward), responder \(backward)" }

    /// Counts from tshark's own TCP dissector, by its `tcp.stream` conversations: the originator
    /// is the sender of the stream's first packet, as the captures here all start with a SYN.
    static func fromTshark(
        _ path: String
    ) throws -> [(originatorPort: UInt16, responderPort: UInt16, counts: FlagCounts)] {
        let rows = try TShark.fields(["tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags"], of: path)
        var streams: [Int: (UInt16, UInt16, FlagCounts)] = [:]
        for row in rows where row.count == 4 {
            guard let stream = Int(row[0]), let source = UInt16(row[1]), let destination = UInt16(row[2]),
                let flags = UInt16(row[3].dropFirst(2), radix: 16)
            else { continue }
            var entry = streams[stream] ?? (source, destination, FlagCounts())
            entry.2.count(flags: TCPFlags(rawValue: flags), forward: source == entry.0)
            streams[stream] = entry
        }
        return streams.keys.sorted().compactMap { streams[$0] }.map { ($0.0, $0.1, $0.2) }
    }
}
