import TCPDoctorCore

/// The TCP control bits of a segment header.
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
    /// The ECN nonce bit (RFC 3540, historic): bit 8 of the 12-bit flags field.
    public static let ns = TCPFlags(rawValue: 0x100)
}

/// One decoded TCP segment: the interface between the capture readers and the analysis.
///
/// Lengths are those of the original packet (from the IP header), not of the captured bytes, so
/// that a small snaplen still yields correct sequence arithmetic.
public struct TCPSegment: Sendable {
    /// Nanoseconds since the Unix epoch.
    public var timestampNanoseconds: Int64
    /// 1-based position of the packet in its capture file (all packets, not only TCP).
    public var packetNumber: UInt64
    public var source: Endpoint
    // `ipLength` and `tunnel` are declared where the endpoints leave padding (an endpoint is 26
    // bytes, aligned to 8), so that the segment stays 108 bytes: every packet copies it.
    /// The length of the IP packet that carried the segment (IP headers, TCP header and payload),
    /// from its IP header: Zeek's `ip_bytes` counts these. Zero when the decoder did not set it.
    public var ipLength: UInt32 = 0
    public var destination: Endpoint
    /// The tunnel the decoder opened to reach the segment (the innermost one when they nest); nil
    /// for a segment straight over the link layer.
    public var tunnel: Tunnel?
    public var sequence: UInt32
    public var acknowledgment: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Bytes of TCP payload in the original packet.
    public var payloadLength: UInt32
    /// Options of interest, when present and captured.
    public var options: TCPOptionsSummary

    public init(
        timestampNanoseconds: Int64,
        packetNumber: UInt64,
        source: Endpoint,
        destination: Endpoint,
        sequence: UInt32,
        acknowledgment: UInt32,
        flags: TCPFlags,
        window: UInt16,
        payloadLength: UInt32,
        options: TCPOptionsSummary = TCPOptionsSummary()
    ) {
        self.timestampNanoseconds = timestampNanoseconds
        self.packetNumber = packetNumber
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.flags = flags
        self.window = window
        self.payloadLength = payloadLength
        self.options = options
    }
}

extension TCPSegment: Hashable {
    /// Equal when the segments are: same time, packet, endpoints, numbers, flags, window, payload
    /// and options. `ipLength` and `tunnel` describe the packet that carried the segment, not the
    /// segment, and are left out, so that a segment built by hand equals the one read back.
    public static func == (lhs: TCPSegment, rhs: TCPSegment) -> Bool {
        lhs.timestampNanoseconds == rhs.timestampNanoseconds && lhs.packetNumber == rhs.packetNumber
            && lhs.source == rhs.source && lhs.destination == rhs.destination && lhs.sequence == rhs.sequence
            && lhs.acknowledgment == rhs.acknowledgment && lhs.flags == rhs.flags && lhs.window == rhs.window
            && lhs.payloadLength == rhs.payloadLength && lhs.options == rhs.options
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(timestampNanoseconds)
        hasher.combine(packetNumber)
        hasher.combine(source)
        hasher.combine(destination)
        hasher.combine(sequence)
        hasher.combine(acknowledgment)
        hasher.combine(flags)
        hasher.combine(window)
        hasher.combine(payloadLength)
        hasher.combine(options)
    }
}

/// The TCP options the analysis looks at.
public struct TCPOptionsSummary: Hashable, Sendable {
    public var maximumSegmentSize: UInt16?
    public var windowScale: UInt8?
    public var sackPermitted: Bool
    /// TSval and TSecr of the timestamps option.
    public var timestamp: (value: UInt32, echo: UInt32)? {
        get { hasTimestamp ? (timestampValue, timestampEcho) : nil }
        set {
            hasTimestamp = newValue != nil
            timestampValue = newValue?.value ?? 0
            timestampEcho = newValue?.echo ?? 0
        }
    }
    private var hasTimestamp = false
    private var timestampValue: UInt32 = 0
    private var timestampEcho: UInt32 = 0

    public init(maximumSegmentSize: UInt16? = nil, windowScale: UInt8? = nil, sackPermitted: Bool = false) {
        self.maximumSegmentSize = maximumSegmentSize
        self.windowScale = windowScale
        self.sackPermitted = sackPermitted
    }
}
