import TCPDoctorCore

@testable import TCPDoctorCapture

/// Builds the segments of a hand-written TCP conversation, keeping sequence and acknowledgment
/// numbers consistent so that each test states only what matters to it.
struct Conversation {
    enum Side {
        case client
        case server
    }

    var client: Endpoint
    var server: Endpoint
    private(set) var segments: [TCPSegment] = []
    /// Next sequence number of each side (one past the last byte, SYN or FIN it sent).
    private(set) var clientNext: UInt32
    private(set) var serverNext: UInt32
    private(set) var clientFINSequence: UInt32?
    private(set) var serverFINSequence: UInt32?
    /// The packet number of the next segment; tests may skip numbers to mimic non-TCP packets.
    var packetNumber: UInt64 = 1

    init(
        client: Endpoint = Endpoint(address: IPAddress("10.0.0.5")!, port: 43_210),
        server: Endpoint = Endpoint(address: IPAddress("10.0.0.9")!, port: 8080),
        clientISN: UInt32 = 1000,
        serverISN: UInt32 = 5000
    ) {
        self.client = client
        self.server = server
        self.clientNext = clientISN
        self.serverNext = serverISN
    }

    static func nanoseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

    /// Sends one segment. `ack` defaults to everything the peer has sent; `sequence` defaults to the
    /// side's next sequence number (pass an older one for a retransmission).
    @discardableResult
    mutating func send(
        _ side: Side,
        _ flags: TCPFlags,
        at seconds: Double,
        payload: UInt32 = 0,
        sequence: UInt32? = nil,
        ack: UInt32? = nil,
        window: UInt16 = 64_000
    ) -> TCPSegment {
        let isClient = side == .client
        let next = isClient ? clientNext : serverNext
        let seq = sequence ?? next
        var acknowledgment: UInt32 = 0
        if flags.contains(.ack) { acknowledgment = ack ?? (isClient ? serverNext : clientNext) }
        let segment = TCPSegment(
            timestampNanoseconds: Self.nanoseconds(seconds),
            packetNumber: packetNumber,
            source: isClient ? client : server,
            destination: isClient ? server : client,
            sequence: seq,
            acknowledgment: acknowledgment,
            flags: flags,
            window: window,
            payloadLength: payload
        )
        packetNumber += 1
        segments.append(segment)
        var end = seq &+ payload
        if flags.contains(.syn) { end &+= 1 }
        if flags.contains(.fin) {
            if isClient { clientFINSequence = seq &+ payload } else { serverFINSequence = seq &+ payload }
            end &+= 1
        }
        if Int32(bitPattern: end &- next) > 0 {
            if isClient { clientNext = end } else { serverNext = end }
        }
        return segment
    }

    /// SYN, SYN+ACK, ACK at `seconds`, +1 ms, +2 ms.
    mutating func handshake(at seconds: Double = 0) {
        send(.client, .syn, at: seconds)
        send(.server, [.syn, .ack], at: seconds + 0.001)
        send(.client, .ack, at: seconds + 0.002)
    }

    /// The acknowledgment number that covers everything the side's peer sent except its FIN.
    func ackBeforeFIN(of side: Side) -> UInt32 {
        side == .client ? (clientFINSequence ?? clientNext) : (serverFINSequence ?? serverNext)
    }

    /// The analyzer's output for these segments, with the capture ending at `endSeconds` (default:
    /// the last segment).
    func analyze(endSeconds: Double? = nil, configuration: ConnectionAnalyzer.Configuration = .init()) -> [Connection] {
        var analyzer = ConnectionAnalyzer(configuration: configuration, hashSeed: 42)
        var connections: [Connection] = []
        for segment in segments {
            analyzer.process(segment)
            connections += analyzer.takeFinished()
        }
        let end = endSeconds.map(Self.nanoseconds) ?? segments.last?.timestampNanoseconds ?? 0
        analyzer.finish(atEndNanoseconds: end)
        return connections + analyzer.takeFinished()
    }
}

extension EndpointTimeline {
    /// The states after each transition, for compact assertions.
    var states: [TCPState] { transitions.map(\.to) }
}
