/// How far a parser got through the bytes it was given.
struct ParseProgress {
    /// Bytes from the start of the window that were parsed completely.
    var consumed: Int
    /// How many bytes, counted from `consumed`, the next header, record or block needs in one piece.
    ///
    /// Always more than what remained in the window, and never more than
    /// `CaptureLimits.maximumBlockLength`, so that a reader can grow its buffer to it safely.
    var needed: Int
}

/// An incremental parser of one capture format over windows of the file.
///
/// The reader hands it the unparsed bytes of a capture in memory or of a chunk buffer; the parser
/// delivers every whole record in them and says how many bytes it needs to go on. This keeps one
/// parser for captures in memory, files read in chunks and pipes, and bounds memory by the
/// largest record rather than the file.
protocol CaptureParser {
    /// The file name used in errors.
    var file: String { get }

    /// Packets delivered so far.
    var packetsParsed: UInt64 { get }

    /// Parses every whole record of `window`, whose first byte is at `windowOffset` in the file.
    mutating func parse<Sink: PacketSink>(
        _ window: UnsafeRawBufferPointer,
        at windowOffset: Int64,
        into sink: inout Sink
    ) throws(CaptureError) -> ParseProgress

    /// The input ended with `remaining` bytes (fewer than the `needed` bytes of the next record) at
    /// `offset`: returns the warning to give, or throws when nothing usable could be read.
    func endOfInput(remaining: Int, at offset: Int64, needed: Int) throws(CaptureError) -> CaptureError?
}

/// Limits that keep memory bounded whatever a file's length fields claim.
enum CaptureLimits {
    /// The largest record or block accepted: libpcap's 16 MiB cap on pcapng blocks, which is far
    /// above any real packet (64 KiB, or 512 KiB with BIG TCP) and bounds the reader's buffer.
    static let maximumBlockLength = 16 * 1024 * 1024
    /// The snaplen every libpcap accepts (`MAXIMUM_SNAPLEN`); records up to it are read even when
    /// the file header claims a smaller snaplen, as libpcap does.
    static let standardMaximumSnapLength = 262_144
    /// The most interfaces one pcapng section may declare, so that a file of nothing but Interface
    /// Description Blocks cannot grow the table without bound.
    static let maximumInterfaces = 65_536
}
