import TCPDoctorCapture

/// Writes a classic pcap file: the 24-byte file header, then a record per packet.
///
/// Used by tests to build exact captures and by benchmark generators to write large ones: the
/// bytes go to memory (`bytes`) or to a file in 1 MiB writes.
public final class PCAPWriter {
    /// Timestamp units of a pcap file, chosen by its magic number.
    public enum Precision: Hashable, Sendable {
        /// Magic `0xa1b2c3d4`.
        case microseconds
        /// Magic `0xa1b23c4d`.
        case nanoseconds
    }

    public let linkType: LinkType
    public let byteOrder: CaptureByteOrder
    public let precision: Precision
    /// Packets longer than this are cut to it, their original length kept, as a capture would.
    public let snapLength: UInt32
    private let output: CaptureOutput

    /// A writer that keeps the file in memory; read it from `bytes`.
    public init(
        linkType: LinkType,
        byteOrder: CaptureByteOrder = .host,
        precision: Precision = .microseconds,
        snapLength: UInt32 = 262_144
    ) {
        self.linkType = linkType
        self.byteOrder = byteOrder
        self.precision = precision
        self.snapLength = snapLength
        self.output = CaptureOutput()
        writeFileHeader()
    }

    /// A writer that creates (or truncates) the file at `path`; call `finish()` at the end.
    public init(
        path: String,
        linkType: LinkType,
        byteOrder: CaptureByteOrder = .host,
        precision: Precision = .microseconds,
        snapLength: UInt32 = 262_144
    ) throws(CaptureError) {
        self.linkType = linkType
        self.byteOrder = byteOrder
        self.precision = precision
        self.snapLength = snapLength
        self.output = try CaptureOutput(path: path)
        writeFileHeader()
    }

    /// The bytes written so far (all of them for an in-memory writer; the unflushed rest otherwise).
    public var bytes: [UInt8] { output.buffer }

    /// Appends one packet.
    ///
    /// - Parameters:
    ///   - packet: the frame from its link-layer header on.
    ///   - timestampNanoseconds: since the epoch; pcap stores unsigned 32-bit seconds, so times
    ///     before 1970 or after 2106 wrap.
    ///   - originalLength: the length on the wire, when it differs from `packet.count`.
    public func write(
        _ packet: UnsafeRawBufferPointer,
        timestampNanoseconds: Int64,
        originalLength: UInt32? = nil
    ) throws(CaptureError) {
        let captured = min(packet.count, Int(snapLength))
        let seconds = timestampNanoseconds / 1_000_000_000
        let nanoseconds = timestampNanoseconds % 1_000_000_000
        let fraction = precision == .nanoseconds ? nanoseconds : nanoseconds / 1000
        output.buffer.append(UInt32(truncatingIfNeeded: seconds), byteOrder)
        output.buffer.append(UInt32(truncatingIfNeeded: fraction), byteOrder)
        output.buffer.append(UInt32(captured), byteOrder)
        output.buffer.append(originalLength ?? UInt32(truncatingIfNeeded: packet.count), byteOrder)
        output.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: packet[0..<captured]))
        try output.flushIfFull()
    }

    /// Appends one packet given as an array.
    public func write(
        _ packet: [UInt8],
        timestampNanoseconds: Int64,
        originalLength: UInt32? = nil
    ) throws(CaptureError) {
        // Array.withUnsafeBytes rethrows untyped errors; carry the typed one out in a Result.
        try packet.withUnsafeBytes { bytes in
            Result { () throws(CaptureError) in
                try write(bytes, timestampNanoseconds: timestampNanoseconds, originalLength: originalLength)
            }
        }.get()
    }

    /// Writes out what is buffered; a file writer must be finished for its file to be complete.
    public func finish() throws(CaptureError) {
        try output.flush()
    }

    private func writeFileHeader() {
        output.buffer.append(precision == .nanoseconds ? UInt32(0xa1b2_3c4d) : 0xa1b2_c3d4, byteOrder)
        output.buffer.append(UInt16(2), byteOrder)
        output.buffer.append(UInt16(4), byteOrder)
        output.buffer.append(Int32(0), byteOrder)  // thiszone: always UTC
        output.buffer.append(UInt32(0), byteOrder)  // sigfigs
        output.buffer.append(snapLength, byteOrder)
        output.buffer.append(UInt32(linkType.rawValue), byteOrder)
    }
}
