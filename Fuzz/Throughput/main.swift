// Throughput harness for the capture readers and decoders; not part of the package.
// Build and run with Fuzz/throughput.sh.

import Glibc
import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// CPU time of this process: on a machine shared with other work, the fair measure of one core.
func cpuTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// 50k connections of 10 packets each (SYN, SYN-ACK, ACK, 2 requests, 2 responses, FIN, FIN, ACK),
/// interleaved 100 connections at a time as on a busy server.
func writeMixed(path: String, format: CaptureFormat, linkType: LinkType) throws(CaptureError) -> Int {
    let writer = try SegmentCaptureWriter(path: path, format: format, linkType: linkType)
    writer.builder.computesChecksums = false
    var time: Int64 = 1_700_000_000_000_000_000
    var count = 0
    let server = Endpoint(address: IPAddress(ipv4: 0x0a00_0002), port: 8080)
    for batch in 0..<500 {
        for step in 0..<10 {
            for index in 0..<100 {
                let connection = batch * 100 + index
                let client = Endpoint(
                    address: IPAddress(ipv4: 0x0a01_0000 | UInt32(connection >> 10)),
                    port: UInt16(10_000 + connection % 50_000)
                )
                let fromClient = [0, 2, 3, 7, 9].contains(step)
                let flags: TCPFlags =
                    switch step {
                    case 0: .syn
                    case 1: [.syn, .ack]
                    case 7, 8: [.fin, .ack]
                    case 3, 4, 5, 6: [.psh, .ack]
                    default: .ack
                    }
                var segment = TCPSegment(
                    timestampNanoseconds: time,
                    packetNumber: 0,
                    source: fromClient ? client : server,
                    destination: fromClient ? server : client,
                    sequence: UInt32(truncatingIfNeeded: connection &* 7919 &+ step),
                    acknowledgment: UInt32(step),
                    flags: flags,
                    window: 502,
                    payloadLength: [3, 4, 5, 6].contains(step) ? 200 : 0
                )
                if step < 2 {
                    segment.options = TCPOptionsSummary(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true)
                    segment.options.timestamp = (1, 0)
                }
                try writer.write(segment)
                time += 1_000
                count += 1
            }
        }
    }
    try writer.finish()
    return count
}

/// One connection's bulk transfer: `count` full-size segments (1448 payload bytes, timestamps).
func writeBulk(path: String, format: CaptureFormat, count: Int) throws(CaptureError) -> Int {
    let writer = try SegmentCaptureWriter(path: path, format: format, linkType: .ethernet)
    writer.builder.computesChecksums = false
    let client = Endpoint(address: IPAddress(ipv4: 0x0a00_0001), port: 40_000)
    let server = Endpoint(address: IPAddress(ipv4: 0x0a00_0002), port: 8080)
    var segment = TCPSegment(
        timestampNanoseconds: 1_700_000_000_000_000_000,
        packetNumber: 0,
        source: client,
        destination: server,
        sequence: 1,
        acknowledgment: 1,
        flags: .ack,
        window: 502,
        payloadLength: 1448
    )
    segment.options.timestamp = (1, 1)
    for index in 0..<count {
        segment.sequence &+= 1448
        segment.timestampNanoseconds += 10_000
        segment.flags = index % 2 == 0 ? .ack : [.ack, .psh]
        try writer.write(segment)
    }
    try writer.finish()
    return count
}

func measure(_ path: String, runs: Int) throws(CaptureError) {
    var best = Double.infinity
    var bestWall = Double.infinity
    var statistics = CaptureStatistics()
    var checksum: UInt64 = 0
    for _ in 0..<runs {
        let start = cpuTime()
        let wallStart = now()
        statistics = try CaptureReader.readSegments(from: path, onSegment: { checksum &+= UInt64($0.sequence) })
        best = min(best, cpuTime() - start)
        bestWall = min(bestWall, now() - wallStart)
    }
    let packetsPerSecond = Double(statistics.packets) / best
    let bytes = Double(statistics.capturedBytes)
    print(
        "  read+decode \(path): \(statistics.packets) packets (\(statistics.tcpSegments) TCP), "
            + "\(format1(bytes / 1e6)) MB; best of \(runs): \(format3(best)) s CPU "
            + "(\(format3(bestWall)) s wall) = \(format1(packetsPerSecond / 1e6)) M packets/s, "
            + "\(format2(bytes / best / 1e9)) GB/s (checksum \(checksum % 10))"
    )
}

func format1(_ value: Double) -> String { fixed(value, 1) }
func format2(_ value: Double) -> String { fixed(value, 2) }
func format3(_ value: Double) -> String { fixed(value, 3) }
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let whole = scaled / Int(scale)
    var fraction = String(scaled % Int(scale))
    while fraction.count < digits { fraction = "0" + fraction }
    return "\(whole).\(fraction)"
}

@main
enum Throughput {
    static func main() {
        let directory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "/tmp"
        let runs = 5
        if CommandLine.arguments.count > 3 && CommandLine.arguments[2] == "read" {
            // Only time reading an existing file, for profiling.
            do { try measure(CommandLine.arguments[3], runs: 20) } catch { print("error: \(error)") }
            return
        }
        if CommandLine.arguments.count > 2 && CommandLine.arguments[2] == "generate" {
            // Only time writing, for profiling.
            do {
                let start = cpuTime()
                let bulk = try writeBulk(path: "\(directory)/bulk.pcap", format: .pcap, count: 700_000)
                let middle = cpuTime()
                let mixed = try writeMixed(path: "\(directory)/mixed.pcap", format: .pcap, linkType: .ethernet)
                print(
                    "wrote \(bulk) bulk packets in \(format3(middle - start)) s CPU, \(mixed) mixed in \(format3(cpuTime() - middle)) s"
                )
            } catch { print("error: \(error)") }
            return
        }
        do {
            for format in CaptureFormat.allCases {
                for linkType in [LinkType.ethernet, .linuxSLL2] {
                    let path = "\(directory)/mixed-\(linkType).\(format)"
                    let start = now()
                    let count = try writeMixed(path: path, format: format, linkType: linkType)
                    print("wrote \(count) packets to \(path) in \(format3(now() - start)) s")
                    try measure(path, runs: runs)
                }
                let path = "\(directory)/bulk.\(format)"
                let start = now()
                let count = try writeBulk(path: path, format: format, count: 700_000)
                print("wrote \(count) packets to \(path) in \(format3(now() - start)) s")
                try measure(path, runs: runs)
            }
        } catch {
            print("error: \(error)")
            exit(1)
        }
    }
}
