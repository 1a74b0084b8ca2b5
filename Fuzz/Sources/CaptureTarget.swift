// The `capture` fuzz target: the capture readers and decoders. Built by Fuzz/build.sh.
//
// Each input is read as a capture file three times: whole, in chunks as from a pipe, and in small
// windows as from a memory map (sizes taken from its last bytes). The readings must agree packet
// for packet and on the error or warning: this finds bugs in the two buffering loops that plain
// crash-fuzzing would miss. The input is also decoded
// directly as a frame of every supported link type, and the segments read are analysed into
// connections, which must account for every segment once. A crash, a sanitizer report, a hang or
// a disagreement is a finding.

import Glibc
import TCPDoctorCore

@testable import TCPDoctorCapture

/// What one reading produced, reduced to values that can be compared.
struct Reading: Equatable {
    var packets: [Summary] = []
    var segments: [TCPSegment] = []
    var warnings: [CaptureError] = []
    var error: CaptureError?
    var statistics = CaptureStatistics()

    struct Summary: Equatable {
        var length: Int
        var firstByte: UInt8?
        var linkType: LinkType
        var timestamp: Int64
        var originalLength: UInt32
        var number: UInt64
        var offset: Int64
        var interface: UInt32
    }
}

func read(_ bytes: UnsafeRawBufferPointer, chunkLength: Int?, windowLength: Int? = nil) -> Reading {
    var reading = Reading()
    do {
        let onPacket = { (packet: CapturePacket) in
            // Touch every byte the reader lends, so that ASan checks the whole range.
            var sum: UInt8 = 0
            for byte in packet.bytes { sum &+= byte }
            reading.packets.append(
                Reading.Summary(
                    length: packet.bytes.count,
                    firstByte: packet.bytes.first.map { $0 &+ sum &- sum },
                    linkType: packet.linkType,
                    timestamp: packet.timestampNanoseconds,
                    originalLength: packet.originalLength,
                    number: packet.packetNumber,
                    offset: packet.fileOffset,
                    interface: packet.interfaceIndex
                )
            )
        }
        if let windowLength {
            var parser = DetectingParser(file: "fuzz")
            try ClosureSink.with(onPacket) { (sink) throws(CaptureError) in
                try CaptureReader.parseMapped(
                    bytes,
                    with: &parser,
                    into: &sink,
                    onWarning: { reading.warnings.append($0) },
                    windowLength: windowLength
                )
            }
        } else {
            try CaptureReader.forEachPacket(
                in: bytes,
                name: "fuzz",
                chunkLength: chunkLength,
                onPacket: onPacket,
                onWarning: { reading.warnings.append($0) }
            )
        }
    } catch {
        reading.error = error
    }
    if windowLength != nil {
        // Segments and statistics come from the same parse loop as above; compare packets only.
        return reading
    }
    do {
        reading.statistics = try CaptureReader.readSegments(
            in: bytes,
            name: "fuzz",
            chunkLength: chunkLength,
            onSegment: { reading.segments.append($0) },
            onWarning: { _ in }
        )
    } catch {
        // The same error as above; compared there.
    }
    return reading
}

/// Analyses `segments` as a capture (a short linger, so that connections are also retired while
/// segments still come); every segment must be counted in exactly one connection.
func analyze(_ segments: [TCPSegment], zeekColumns: Bool) {
    var analyzer = ConnectionAnalyzer(
        configuration: ConnectionAnalyzer.Configuration(linger: .seconds(1), zeekColumns: zeekColumns),
        hashSeed: 1
    )
    var counted: UInt64 = 0
    let count = { (connection: Connection) in
        counted += connection.originatorStats.packets + connection.responderStats.packets
    }
    for segment in segments { analyzer.process(segment, finished: count) }
    analyzer.finish(atEndNanoseconds: analyzer.timestampRange?.upperBound ?? 0, count)
    if counted != UInt64(segments.count) {
        fail("the connections count \(counted) segments, the readers found \(segments.count)")
    }
}

/// One input of the `capture` target.
func fuzzCapture(_ bytes: UnsafeRawBufferPointer) {
    let size = bytes.count
    let data = bytes
    let whole = read(bytes, chunkLength: nil)
    let chunkLength = size > 0 ? Int(data[size - 1]) % 97 + 1 : 1
    let chunked = read(bytes, chunkLength: chunkLength)
    let windowLength = size > 1 ? Int(data[size - 2]) % 61 + 1 : 1
    var windowed = read(bytes, chunkLength: nil, windowLength: windowLength)
    windowed.segments = whole.segments
    windowed.statistics = whole.statistics
    if whole != windowed {
        fail(
            "whole and windowed (\(windowLength)) readings differ\n"
                + "whole:    \(whole.packets.count) packets, \(whole.warnings), \(String(describing: whole.error))\n"
                + "windowed: \(windowed.packets.count) packets, \(windowed.warnings), \(String(describing: windowed.error))"
        )
    }
    if whole != chunked {
        fail(
            "whole and chunked (\(chunkLength)) readings differ\n"
                + "whole:   \(whole.packets.count) packets, \(whole.warnings), \(String(describing: whole.error))\n"
                + "chunked: \(chunked.packets.count) packets, \(chunked.warnings), \(String(describing: chunked.error))"
        )
    }
    let statistics = whole.statistics
    let total =
        statistics.tcpSegments + statistics.nonTCP + statistics.fragments + statistics.truncated
        + statistics.malformed + statistics.unsupportedLinkType
    if whole.error == nil && (total != statistics.packets || statistics.packets != UInt64(whole.packets.count)) {
        fail("statistics do not add up: \(statistics), \(whole.packets.count) packets read")
    }
    analyze(whole.segments, zeekColumns: size % 2 == 0)
    for rawValue: UInt16 in [0, 1, 12, 101, 108, 113, 228, 229, 276] {
        for originalLength in [size, size + 100] {
            let decoded = PacketDecoder.decode(
                bytes,
                linkType: LinkType(rawValue: rawValue),
                originalLength: originalLength,
                timestampNanoseconds: 0,
                packetNumber: 1
            )
            if case .tcp(let segment) = decoded, Int(segment.payloadLength) > originalLength {
                fail("payload length \(segment.payloadLength) exceeds the frame's \(originalLength) bytes")
            }
        }
    }
}
