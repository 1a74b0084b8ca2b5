import Foundation
import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore

/// Writes hand-built TCP conversations into capture files with the package's writers, keeping
/// sequence and acknowledgment numbers consistent so that each scenario states only its story.
struct ScenarioCapture {
    enum Side {
        case client
        case server
    }

    var client: Endpoint
    var server: Endpoint
    private(set) var segments: [TCPSegment] = []
    private var clientNext: UInt32
    private var serverNext: UInt32
    private(set) var clientFINSequence: UInt32?
    private(set) var serverFINSequence: UInt32?

    init(client: Endpoint, server: Endpoint, clientISN: UInt32 = 1000, serverISN: UInt32 = 5000) {
        self.client = client
        self.server = server
        clientNext = clientISN
        serverNext = serverISN
    }

    /// Seconds after this base are the scenario's clock: 2023-11-14 22:13:20 UTC.
    static let base: Int64 = 1_700_000_000_000_000_000

    /// Sends one segment at `seconds`; `ack` defaults to all the peer sent, `sequence` to the next.
    mutating func send(
        _ side: Side,
        _ flags: TCPFlags,
        at seconds: Double,
        payload: UInt32 = 0,
        sequence: UInt32? = nil,
        ack: UInt32? = nil
    ) {
        let isClient = side == .client
        let next = isClient ? clientNext : serverNext
        let seq = sequence ?? next
        let acknowledgment = flags.contains(.ack) ? ack ?? (isClient ? serverNext : clientNext) : 0
        segments.append(
            TCPSegment(
                timestampNanoseconds: Self.base + Int64((seconds * 1e9).rounded()),
                packetNumber: 0,
                source: isClient ? client : server,
                destination: isClient ? server : client,
                sequence: seq,
                acknowledgment: acknowledgment,
                flags: flags,
                window: 64_000,
                payloadLength: payload
            )
        )
        var end = seq &+ payload
        if flags.contains(.syn) { end &+= 1 }
        if flags.contains(.fin) {
            if isClient { clientFINSequence = seq &+ payload } else { serverFINSequence = seq &+ payload }
            end &+= 1
        }
        if Int32(bitPattern: end &- next) > 0 {
            if isClient { clientNext = end } else { serverNext = end }
        }
    }

    /// SYN, SYN+ACK, ACK at `seconds`, +1 ms, +2 ms.
    mutating func handshake(at seconds: Double) {
        send(.client, .syn, at: seconds)
        send(.server, [.syn, .ack], at: seconds + 0.001)
        send(.client, .ack, at: seconds + 0.002)
    }

    /// A request and a response of `bytes` each.
    mutating func exchange(at seconds: Double, bytes: UInt32 = 100) {
        send(.client, [.psh, .ack], at: seconds, payload: bytes)
        send(.server, [.psh, .ack], at: seconds + 0.001, payload: bytes)
        send(.client, .ack, at: seconds + 0.002)
    }

    /// Writes segments (sorted by time) into a capture file.
    static func write(
        _ segments: [TCPSegment],
        to path: String,
        format: CaptureFormat = .pcap,
        linkType: LinkType = .ethernet
    ) throws {
        let writer = try SegmentCaptureWriter(path: path, format: format, linkType: linkType)
        for segment in segments.sorted(by: { $0.timestampNanoseconds < $1.timestampNanoseconds }) {
            try writer.write(segment)
        }
        try writer.finish()
    }
}

/// A folder for one test's files, removed when the test is done.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "tcpdoctor-capture-command-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension Endpoint {
    /// An endpoint from text known to be valid in the test's source.
    static func test(_ address: String, _ port: UInt16) -> Endpoint {
        Endpoint(address: IPAddress(address) ?? .ipv4Any, port: port)
    }
}
