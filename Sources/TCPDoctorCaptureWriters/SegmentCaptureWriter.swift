import TCPDoctorCapture

/// Writes TCP segments as a capture file of a chosen format and link type in one step.
///
/// The helper behind test fixtures ("a capture of this close scenario, as pcapng on SLL2") and
/// behind benchmark generators: it builds each frame with a `PacketBuilder` into one reused buffer
/// and hands it to a `PCAPWriter` or a `PCAPNGWriter` with one interface.
public final class SegmentCaptureWriter {
    private enum Writer {
        case pcap(PCAPWriter)
        case pcapng(PCAPNGWriter)
    }

    /// Adjust before writing to add VLAN tags, IPv4 options and the like to the following packets.
    public var builder: PacketBuilder
    private let writer: Writer
    private var frame: [UInt8] = []

    /// A writer that keeps the capture in memory; read it from `bytes`.
    ///
    /// - Parameters:
    ///   - snapLength: frames longer than this are cut to it, as by a capture's snaplen.
    ///   - nanosecondTimestamps: pcap magic `a1b23c4d`, or pcapng `if_tsresol` 9; else microseconds.
    public init(
        format: CaptureFormat = .pcap,
        linkType: LinkType = .ethernet,
        byteOrder: CaptureByteOrder = .host,
        snapLength: UInt32 = 262_144,
        nanosecondTimestamps: Bool = true
    ) {
        builder = PacketBuilder(linkType: linkType)
        switch format {
        case .pcap:
            writer = .pcap(
                PCAPWriter(
                    linkType: linkType,
                    byteOrder: byteOrder,
                    precision: nanosecondTimestamps ? .nanoseconds : .microseconds,
                    snapLength: snapLength
                )
            )
        case .pcapng:
            writer = .pcapng(
                Self.withInterface(PCAPNGWriter(byteOrder: byteOrder), linkType, snapLength, nanosecondTimestamps)
            )
        }
    }

    /// A writer that creates (or truncates) the file at `path`; call `finish()` at the end.
    public init(
        path: String,
        format: CaptureFormat = .pcap,
        linkType: LinkType = .ethernet,
        byteOrder: CaptureByteOrder = .host,
        snapLength: UInt32 = 262_144,
        nanosecondTimestamps: Bool = true
    ) throws(CaptureError) {
        builder = PacketBuilder(linkType: linkType)
        switch format {
        case .pcap:
            writer = .pcap(
                try PCAPWriter(
                    path: path,
                    linkType: linkType,
                    byteOrder: byteOrder,
                    precision: nanosecondTimestamps ? .nanoseconds : .microseconds,
                    snapLength: snapLength
                )
            )
        case .pcapng:
            let pcapng = try PCAPNGWriter(path: path, byteOrder: byteOrder)
            writer = .pcapng(Self.withInterface(pcapng, linkType, snapLength, nanosecondTimestamps))
        }
    }

    private static func withInterface(
        _ writer: PCAPNGWriter,
        _ linkType: LinkType,
        _ snapLength: UInt32,
        _ nanosecondTimestamps: Bool
    ) -> PCAPNGWriter {
        writer.addInterface(
            linkType: linkType,
            snapLength: snapLength,
            timestampResolution: nanosecondTimestamps ? .nanoseconds : .microseconds
        )
        return writer
    }

    /// The capture so far (all of it when writing to memory).
    public var bytes: [UInt8] {
        switch writer {
        case .pcap(let writer): writer.bytes
        case .pcapng(let writer): writer.bytes
        }
    }

    /// Appends the packet of `segment`, stamped with its `timestampNanoseconds`.
    ///
    /// - Parameter payload: the payload bytes, or nil for `segment.payloadLength` zero bytes.
    public func write(_ segment: TCPSegment, payload: [UInt8]? = nil) throws(CaptureError) {
        frame.removeAll(keepingCapacity: true)
        if let payload {
            payload.withUnsafeBytes { builder.appendFrame(for: segment, payload: $0, to: &frame) }
        } else {
            builder.appendFrame(for: segment, to: &frame)
        }
        let timestamp = segment.timestampNanoseconds
        try frame.withUnsafeBytes { bytes in
            Result { () throws(CaptureError) in
                switch writer {
                case .pcap(let writer): try writer.write(bytes, timestampNanoseconds: timestamp)
                case .pcapng(let writer):
                    try writer.writeEnhancedPacket(bytes, interface: 0, timestampNanoseconds: timestamp)
                }
            }
        }.get()
    }

    /// Writes out what is buffered; a file writer must be finished for its file to be complete.
    public func finish() throws(CaptureError) {
        switch writer {
        case .pcap(let writer): try writer.finish()
        case .pcapng(let writer): try writer.finish()
        }
    }

    /// The bytes of an in-memory capture of `segments`.
    public static func captureBytes(
        of segments: [TCPSegment],
        format: CaptureFormat = .pcap,
        linkType: LinkType = .ethernet
    ) -> [UInt8] {
        let writer = SegmentCaptureWriter(format: format, linkType: linkType)
        // An in-memory writer never touches a file, so writing to it cannot fail.
        for segment in segments { try? writer.write(segment) }
        return writer.bytes
    }
}
