/// One packet of a capture file, its bytes borrowed from the reader's buffer.
///
/// The reader parses in place (a capture in memory or a reused chunk buffer), so `bytes` points into
/// memory that is reused after the callback returns: copy what must outlive it.
public struct CapturePacket {
    /// The captured bytes, starting with the link-layer header; valid only during the callback.
    public var bytes: UnsafeRawBufferPointer
    /// The link-layer header type of the packet's interface.
    public var linkType: LinkType
    /// Nanoseconds since the Unix epoch; a pcapng Simple Packet Block, which has no timestamp,
    /// takes that of the packet before it (0 for the first).
    public var timestampNanoseconds: Int64
    /// The length of the packet on the wire, which exceeds `bytes.count` when the snaplen cut it.
    public var originalLength: UInt32
    /// 1-based position among the packets of its file.
    public var packetNumber: UInt64
    /// Where the packet's record or block starts in its file.
    public var fileOffset: Int64
    /// The pcapng interface index within its section; 0 for pcap.
    public var interfaceIndex: UInt32

    /// The number of bytes captured.
    public var capturedLength: UInt32 { UInt32(truncatingIfNeeded: bytes.count) }

    public init(
        bytes: UnsafeRawBufferPointer,
        linkType: LinkType,
        timestampNanoseconds: Int64,
        originalLength: UInt32,
        packetNumber: UInt64,
        fileOffset: Int64,
        interfaceIndex: UInt32 = 0
    ) {
        self.bytes = bytes
        self.linkType = linkType
        self.timestampNanoseconds = timestampNanoseconds
        self.originalLength = originalLength
        self.packetNumber = packetNumber
        self.fileOffset = fileOffset
        self.interfaceIndex = interfaceIndex
    }
}
