// Generates the captures of scripts/capture-bench/run.sh.
//
//   CaptureBenchGenerator mixed FILE [CONNECTIONS]   every close pattern, interleaved like a busy server
//   CaptureBenchGenerator bulk FILE [MEGABYTES] [PAYLOAD]  a few long transfers (65160-byte segments,
//                                                   as with segmentation offload, or e.g. 1448)
//   CaptureBenchGenerator open FILE [CONNECTIONS]    connections that all stay open to the end
//   CaptureBenchGenerator sequential FILE [CONNECTIONS]  the same connections one after another,
//                                                   each reset, 0.6 s apart: about 100 open at once
//
// Deterministic: the same arguments write the same bytes.

import Glibc
import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore

/// The close patterns of the mixed capture and their share in percent.
enum Pattern: CaseIterable {
    case clientClose, serverClose, closeWaitHeld, lateFINReset, refused, noAnswer, abort, finReset, simultaneous
    case halfClose, closeWaitAtEnd, openAtEnd

    var percent: Int {
        switch self {
        case .clientClose: 35
        case .serverClose: 20
        case .closeWaitHeld: 8
        case .lateFINReset: 4
        case .refused: 5
        case .noAnswer: 3
        case .abort: 8
        case .finReset: 5
        case .simultaneous: 2
        case .halfClose: 5
        case .closeWaitAtEnd: 3
        case .openAtEnd: 2
        }
    }

    static func of(_ index: Int) -> Pattern {
        var slot = (index &* 7919) % 100
        for pattern in allCases {
            if slot < pattern.percent { return pattern }
            slot -= pattern.percent
        }
        return .clientClose
    }
}

/// One connection's remaining segments, produced one at a time so that many interleave.
struct Flow {
    var client: Endpoint
    var server: Endpoint
    var pattern: Pattern
    var clientNext: UInt32
    var serverNext: UInt32
    var step = 0
    var requests: Int

    /// The next segment and the delay before it in microseconds, or nil when the connection is done.
    mutating func next() -> (from: Bool, flags: TCPFlags, payload: UInt32, sequence: UInt32, ack: UInt32, delay: Int64)?
    {
        defer { step += 1 }
        let syn: TCPFlags = .syn
        let finACK: TCPFlags = [.fin, .ack]
        let data: TCPFlags = [.psh, .ack]
        switch pattern {
        case .refused:
            switch step {
            case 0: return client(syn, delay: 0)
            case 1: return (false, [.rst, .ack], 0, 0, clientNext, 50)
            default: return nil
            }
        case .noAnswer:
            switch step {
            case 0, 1, 2: return (true, syn, 0, clientNext, 0, step == 0 ? 0 : 1_000_000)
            default: return nil
            }
        default: break
        }
        // Handshake, then `requests` request/response pairs with ACKs.
        if step == 0 { return client(syn, delay: 0) }
        if step == 1 { return server([.syn, .ack], delay: 80) }
        if step == 2 { return client(.ack, delay: 80) }
        let exchange = step - 3
        if exchange < requests * 3 {
            switch exchange % 3 {
            case 0: return client(data, payload: 300, delay: 200)
            case 1: return server(data, payload: 1200, delay: 2_000)
            default: return client(.ack, delay: 100)
            }
        }
        let close = exchange - requests * 3
        // (from the client, flags, payload, delay in microseconds) for the scripted closes.
        let script: [(Bool, TCPFlags, UInt32, Int64)]
        switch pattern {
        case .clientClose:
            script = [(true, finACK, 0, 1_000), (false, .ack, 0, 50), (false, finACK, 0, 300), (true, .ack, 0, 50)]
        case .serverClose:
            script = [(false, finACK, 0, 1_000), (true, .ack, 0, 50), (true, finACK, 0, 300), (false, .ack, 0, 50)]
        case .closeWaitHeld:
            script = [
                (true, finACK, 0, 1_000), (false, .ack, 0, 50), (false, finACK, 0, 5_000_000), (true, .ack, 0, 50),
            ]
        case .abort: script = [(true, [.rst, .ack], 0, 1_000)]
        case .finReset: script = [(true, finACK, 0, 1_000), (false, finACK, 0, 50), (true, .rst, 0, 50)]
        case .halfClose:
            script = [
                (true, finACK, 0, 1_000), (false, .ack, 0, 50), (false, data, 4000, 500), (true, .ack, 0, 50),
                (false, finACK, 0, 300), (true, .ack, 0, 50),
            ]
        case .closeWaitAtEnd: script = [(true, finACK, 0, 1_000), (false, .ack, 0, 50)]
        case .lateFINReset:
            switch close {
            case 0: return server(finACK, delay: 1_000)
            case 1: return client(.ack, delay: 50)
            case 2: return client(finACK, delay: 65_000_000)
            case 3: return (false, .rst, 0, serverNext, 0, 50)
            default: return nil
            }
        case .simultaneous:
            switch close {
            case 0: return client(finACK, delay: 1_000)
            // The server's FIN crosses the client's: it acknowledges everything but that FIN.
            case 1: return server(finACK, ack: clientNext &- 1, delay: 10)
            case 2: return client(.ack, delay: 10)
            case 3: return server(.ack, delay: 10)
            default: return nil
            }
        case .openAtEnd, .refused, .noAnswer:
            return nil
        }
        guard close < script.count else { return nil }
        let (fromClient, flags, payload, delay) = script[close]
        return fromClient
            ? client(flags, payload: payload, delay: delay) : server(flags, payload: payload, delay: delay)
    }

    private mutating func client(
        _ flags: TCPFlags,
        payload: UInt32 = 0,
        delay: Int64
    ) -> (Bool, TCPFlags, UInt32, UInt32, UInt32, Int64) {
        let segment = (true, flags, payload, clientNext, flags.contains(.ack) ? serverNext : 0, delay)
        clientNext &+= payload &+ (flags.contains(.syn) || flags.contains(.fin) ? 1 : 0)
        return segment
    }

    private mutating func server(
        _ flags: TCPFlags,
        payload: UInt32 = 0,
        ack: UInt32? = nil,
        delay: Int64
    ) -> (Bool, TCPFlags, UInt32, UInt32, UInt32, Int64) {
        let segment = (false, flags, payload, serverNext, flags.contains(.ack) ? ack ?? clientNext : 0, delay)
        serverNext &+= payload &+ (flags.contains(.syn) || flags.contains(.fin) ? 1 : 0)
        return segment
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { index >= 0 && index < count ? self[index] : nil }
}

/// The mixed capture: `count` connections, `concurrency` open at once, each pattern in its share.
func writeMixed(path: String, count: Int, concurrency: Int = 256) throws(CaptureError) -> Int {
    let writer = try SegmentCaptureWriter(path: path, format: .pcap, linkType: .ethernet, nanosecondTimestamps: false)
    writer.builder.computesChecksums = false
    var clock: Int64 = 1_700_000_000_000_000_000
    var started = 0
    var packets = 0
    // Active flows, each with the time its next segment is due.
    var active: [(due: Int64, flow: Flow)] = []
    func start(_ index: Int, at time: Int64) -> (Int64, Flow) {
        let client = Endpoint(
            address: IPAddress(ipv4: 0x0a01_0000 | UInt32(index % 4096)),
            port: UInt16(20_000 + (index / 4096) % 40_000)
        )
        let server = Endpoint(
            address: IPAddress(ipv4: 0x0a00_0000 | UInt32(1 + index % 8)),
            port: [80, 443, 8080, 5432][index % 4]
        )
        let flow = Flow(
            client: client,
            server: server,
            pattern: Pattern.of(index),
            clientNext: UInt32(truncatingIfNeeded: index &* 2_654_435_761),
            serverNext: UInt32(truncatingIfNeeded: index &* 40_503 &+ 12_345),
            requests: 1 + index % 3
        )
        return (time, flow)
    }
    while started < min(concurrency, count) {
        active.append(start(started, at: clock + Int64(started) * 1_000))
        started += 1
    }
    var segment = TCPSegment(
        timestampNanoseconds: 0,
        packetNumber: 0,
        source: .init(address: .ipv4Any, port: 0),
        destination: .init(address: .ipv4Any, port: 0),
        sequence: 0,
        acknowledgment: 0,
        flags: [],
        window: 502,
        payloadLength: 0
    )
    while !active.isEmpty {
        // The flow due first; a linear scan over a few hundred flows is cheap next to writing.
        var best = 0
        for index in 1..<active.count where active[index].due < active[best].due { best = index }
        clock = max(clock, active[best].due)
        guard let next = active[best].flow.next() else {
            if started < count {
                active[best] = start(started, at: clock + 500)
                started += 1
            } else {
                active.swapAt(best, active.count - 1)
                active.removeLast()
            }
            continue
        }
        let flow = active[best].flow
        segment.timestampNanoseconds = clock
        segment.source = next.from ? flow.client : flow.server
        segment.destination = next.from ? flow.server : flow.client
        segment.sequence = next.sequence
        segment.acknowledgment = next.ack
        segment.flags = next.flags
        segment.payloadLength = next.payload
        try writer.write(segment)
        packets += 1
        active[best].due = clock + next.delay * 1_000
        if let following = peekDelay(active[best].flow) { active[best].due = clock + following * 1_000 }
    }
    try writer.finish()
    return packets
}

/// The delay before a flow's next segment, without consuming it.
func peekDelay(_ flow: Flow) -> Int64? {
    var copy = flow
    return copy.next()?.delay
}

/// The bulk capture: `connections` transfers of large segments (64 KiB GSO-sized, as tcpdump shows
/// them on loopback and on hosts with segmentation offload) with an ACK every other segment.
func writeBulk(path: String, megabytes: Int, payload: UInt32, connections: Int = 4) throws(CaptureError) -> Int {
    let writer = try SegmentCaptureWriter(path: path, format: .pcap, linkType: .ethernet, nanosecondTimestamps: false)
    writer.builder.computesChecksums = false
    let total = megabytes * 1_000_000 / Int(payload)
    var clock: Int64 = 1_700_000_000_000_000_000
    var packets = 0
    var sequences = [UInt32](repeating: 1000, count: connections)
    let server = Endpoint(address: IPAddress(ipv4: 0x0a00_0002), port: 9000)
    func client(_ index: Int) -> Endpoint {
        Endpoint(address: IPAddress(ipv4: 0x0a00_0001), port: UInt16(40_000 + index))
    }
    func write(_ from: Int, toServer: Bool, flags: TCPFlags, payload: UInt32, ack: UInt32) throws(CaptureError) {
        clock += 5_000
        let segment = TCPSegment(
            timestampNanoseconds: clock,
            packetNumber: 0,
            source: toServer ? client(from) : server,
            destination: toServer ? server : client(from),
            sequence: toServer ? sequences[from] : 5000,
            acknowledgment: toServer ? 5001 : ack,
            flags: flags,
            window: 65_535,
            payloadLength: payload
        )
        try writer.write(segment)
        packets += 1
    }
    for index in 0..<connections {
        try write(index, toServer: true, flags: .syn, payload: 0, ack: 0)
        try write(index, toServer: false, flags: [.syn, .ack], payload: 0, ack: sequences[index] + 1)
        sequences[index] += 1
        try write(index, toServer: true, flags: .ack, payload: 0, ack: 0)
    }
    for index in 0..<total {
        let connection = index % connections
        try write(connection, toServer: true, flags: [.psh, .ack], payload: payload, ack: 0)
        sequences[connection] &+= payload
        if index % 2 == 1 {
            try write(connection, toServer: false, flags: .ack, payload: 0, ack: sequences[connection])
        }
    }
    for index in 0..<connections {
        try write(index, toServer: true, flags: [.fin, .ack], payload: 0, ack: 0)
        sequences[index] &+= 1
        try write(index, toServer: false, flags: [.fin, .ack], payload: 0, ack: sequences[index])
        try write(index, toServer: true, flags: .ack, payload: 0, ack: 0)
    }
    try writer.finish()
    return packets
}

/// `count` connections of five packets (handshake, a request and its ACK); `sequential` spaces them
/// 0.6 s apart and ends each with a RST, so that the 60 s linger keeps about 100 open at once,
/// where the other form keeps every one open to the end. The difference in peak memory between
/// the two, divided by the difference in open connections, is the cost of one open connection.
func writeOpen(path: String, count: Int, sequential: Bool) throws(CaptureError) -> Int {
    let writer = try SegmentCaptureWriter(path: path, format: .pcap, linkType: .ethernet, nanosecondTimestamps: false)
    writer.builder.computesChecksums = false
    let server = Endpoint(address: IPAddress(ipv4: 0x0a00_0002), port: 443)
    var packets = 0
    let base: Int64 = 1_700_000_000_000_000_000
    for index in 0..<count {
        let client = Endpoint(
            address: IPAddress(ipv4: 0x0a02_0000 | UInt32(index / 50_000)),
            port: UInt16(10_000 + index % 50_000)
        )
        let start = base + Int64(index) * (sequential ? 600_000_000 : 10_000)
        let isn = UInt32(truncatingIfNeeded: index &* 2_654_435_761)
        var steps: [(Bool, TCPFlags, UInt32, UInt32, UInt32)] = [
            (true, .syn, isn, 0, 0), (false, [.syn, .ack], 7000, isn &+ 1, 0), (true, .ack, isn &+ 1, 7001, 0),
            (true, [.psh, .ack], isn &+ 1, 7001, 200), (false, .ack, 7001, isn &+ 201, 0),
        ]
        if sequential { steps.append((true, .rst, isn &+ 201, 0, 0)) }
        for (offset, step) in steps.enumerated() {
            try writer.write(
                TCPSegment(
                    timestampNanoseconds: start + Int64(offset) * 1_000,
                    packetNumber: 0,
                    source: step.0 ? client : server,
                    destination: step.0 ? server : client,
                    sequence: step.2,
                    acknowledgment: step.3,
                    flags: step.1,
                    window: 502,
                    payloadLength: step.4
                )
            )
            packets += 1
        }
    }
    try writer.finish()
    return packets
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: CaptureBenchGenerator mixed FILE [CONNECTIONS] | bulk FILE [MEGABYTES]")
    exit(64)
}
do {
    switch arguments[1] {
    case "mixed":
        let count = arguments.count > 3 ? Int(arguments[3]) ?? 50_000 : 50_000
        let packets = try writeMixed(path: arguments[2], count: count)
        print("\(packets) packets, \(count) connections")
    case "bulk":
        let megabytes = arguments.count > 3 ? Int(arguments[3]) ?? 1500 : 1500
        let payload = arguments.count > 4 ? UInt32(arguments[4]) ?? 65_160 : 65_160
        let packets = try writeBulk(path: arguments[2], megabytes: megabytes, payload: payload)
        print("\(packets) packets")
    case "open", "sequential":
        let count = arguments.count > 3 ? Int(arguments[3]) ?? 100_000 : 100_000
        let packets = try writeOpen(path: arguments[2], count: count, sequential: arguments[1] == "sequential")
        print("\(packets) packets, \(count) connections")
    default:
        print("unknown capture kind \(arguments[1])")
        exit(64)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
