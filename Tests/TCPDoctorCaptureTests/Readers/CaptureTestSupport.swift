import Foundation
import TCPDoctorCapture
import TCPDoctorCore

/// A packet copied out of the reader's callback, so tests can compare every field after reading.
struct ReadPacket: Hashable {
    var bytes: [UInt8]
    var linkType: LinkType
    var timestampNanoseconds: Int64
    var originalLength: UInt32
    var packetNumber: UInt64
    var fileOffset: Int64
    var interfaceIndex: UInt32
}

extension ReadPacket {
    init(_ packet: CapturePacket) {
        bytes = Array(packet.bytes)
        linkType = packet.linkType
        timestampNanoseconds = packet.timestampNanoseconds
        originalLength = packet.originalLength
        packetNumber = packet.packetNumber
        fileOffset = packet.fileOffset
        interfaceIndex = packet.interfaceIndex
    }
}

/// What reading a capture produced: the packets, then either the warnings or the error that ended it.
struct ReadResult {
    var packets: [ReadPacket] = []
    var warnings: [CaptureError] = []
    var error: CaptureError?
}

/// Reads a capture held in memory, whole or in chunks of `chunkLength` bytes.
func readPackets(_ bytes: [UInt8], name: String = "test.pcap", chunkLength: Int? = nil) -> ReadResult {
    var result = ReadResult()
    do {
        _ = try bytes.withUnsafeBytes { buffer in
            Result { () throws(CaptureError) in
                try CaptureReader.forEachPacket(
                    in: buffer,
                    name: name,
                    chunkLength: chunkLength,
                    onPacket: { result.packets.append(ReadPacket($0)) },
                    onWarning: { result.warnings.append($0) }
                )
            }
        }.get()
    } catch {
        result.error = error
    }
    return result
}

/// Reads a capture file through the path API (pread for a regular file, read for a stream).
func readPackets(file path: String) -> ReadResult {
    var result = ReadResult()
    do {
        try CaptureReader.forEachPacket(
            inFile: path,
            onPacket: { result.packets.append(ReadPacket($0)) },
            onWarning: { result.warnings.append($0) }
        )
    } catch {
        result.error = error
    }
    return result
}

/// What reading segments produced.
struct SegmentResult {
    var segments: [TCPSegment] = []
    var statistics = CaptureStatistics()
    var warnings: [CaptureError] = []
}

/// Decodes the segments of an in-memory capture.
func readSegments(_ bytes: [UInt8], chunkLength: Int? = nil) throws(CaptureError) -> SegmentResult {
    var result = SegmentResult()
    result.statistics = try bytes.withUnsafeBytes { buffer in
        Result { () throws(CaptureError) in
            try CaptureReader.readSegments(
                in: buffer,
                name: "test",
                chunkLength: chunkLength,
                onSegment: { result.segments.append($0) },
                onWarning: { result.warnings.append($0) }
            )
        }
    }.get()
    return result
}

/// Decodes one frame of `linkType`.
func decode(_ frame: [UInt8], linkType: LinkType, originalLength: Int? = nil) -> DecodedPacket {
    frame.withUnsafeBytes {
        PacketDecoder.decode(
            $0,
            linkType: linkType,
            originalLength: originalLength ?? frame.count,
            timestampNanoseconds: 1_700_000_000_123_456_789,
            packetNumber: 7
        )
    }
}

/// A directory of its own under the system's temporary directory, removed with everything in it
/// when the value goes away (also when the test fails).
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "tcpdoctor-capture-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Segments for round trips: a SYN with options, then data and a FIN.
enum SampleSegments {
    static let client = Endpoint(address: IPAddress(ipv4: 0x0a00_0001), port: 40_000)
    static let server = Endpoint(address: IPAddress(ipv4: 0x0a00_0002), port: 8080)
    static let client6 = Endpoint(address: IPAddress("2001:db8::1") ?? .ipv6Any, port: 40_000)
    static let server6 = Endpoint(address: IPAddress("2001:db8::2") ?? .ipv6Any, port: 443)

    static func syn(
        from source: Endpoint = client,
        to destination: Endpoint = server,
        at timestamp: Int64 = 1_700_000_000_000_000_000,
        number: UInt64 = 1
    ) -> TCPSegment {
        var options = TCPOptionsSummary(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true)
        options.timestamp = (value: 0x1122_3344, echo: 0)
        return TCPSegment(
            timestampNanoseconds: timestamp,
            packetNumber: number,
            source: source,
            destination: destination,
            sequence: 0xdead_beef,
            acknowledgment: 0,
            flags: .syn,
            window: 64_240,
            payloadLength: 0,
            options: options
        )
    }

    static func data(
        from source: Endpoint = client,
        to destination: Endpoint = server,
        length: UInt32 = 100,
        at timestamp: Int64 = 1_700_000_000_250_000_000,
        number: UInt64 = 2,
        flags: TCPFlags = [.ack, .psh]
    ) -> TCPSegment {
        TCPSegment(
            timestampNanoseconds: timestamp,
            packetNumber: number,
            source: source,
            destination: destination,
            sequence: 0xdead_bef0,
            acknowledgment: 0x0102_0304,
            flags: flags,
            window: 502,
            payloadLength: length
        )
    }

    /// A small conversation: SYN, SYN-ACK, ACK, data, FIN-ACK, with distinct timestamps.
    static func conversation(ipv6: Bool = false) -> [TCPSegment] {
        let a = ipv6 ? client6 : client
        let b = ipv6 ? server6 : server
        let base: Int64 = 1_700_000_000_000_000_000
        var synAck = syn(from: b, to: a, at: base + 1_000, number: 2)
        synAck.flags = [.syn, .ack]
        synAck.acknowledgment = 0xdead_bef0
        return [
            syn(from: a, to: b, at: base, number: 1),
            synAck,
            data(from: a, to: b, length: 0, at: base + 2_000, number: 3, flags: .ack),
            data(from: a, to: b, length: 1_000, at: base + 3_000, number: 4),
            data(from: b, to: a, length: 0, at: base + 4_000, number: 5, flags: [.fin, .ack]),
        ]
    }
}

/// File creation without Foundation's Data at every call site.
enum FileManagerShim {
    static func create(_ path: String, bytes: [UInt8]) -> Bool {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
}
