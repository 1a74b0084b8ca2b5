import TCPDoctorCapture

/// Writes a pcapng file: sections of either byte order, interfaces of any link type and timestamp
/// resolution, and Enhanced, Simple and obsolete Packet Blocks.
///
/// Used by tests to build exact captures (including odd ones: several sections, unknown blocks)
/// and by benchmark generators. The bytes go to memory (`bytes`) or to a file in 1 MiB writes.
/// A first section in the host's byte order is begun by the initializer.
public final class PCAPNGWriter {
    /// An interface as declared in the current section.
    struct Interface {
        var snapLength: UInt32
        var resolution: PCAPNGTimestampResolution
        var offsetSeconds: Int64
    }

    public private(set) var byteOrder: CaptureByteOrder
    private var interfaces: [Interface] = []
    /// The length written by `beginPacketBlock`, repeated at the block's end.
    private var pendingBlockLength: UInt32 = 0
    private let output: CaptureOutput

    /// A writer that keeps the file in memory; read it from `bytes`.
    public init(byteOrder: CaptureByteOrder = .host) {
        self.byteOrder = byteOrder
        self.output = CaptureOutput()
        beginSection(byteOrder: byteOrder)
    }

    /// A writer that creates (or truncates) the file at `path`; call `finish()` at the end.
    public init(path: String, byteOrder: CaptureByteOrder = .host) throws(CaptureError) {
        self.byteOrder = byteOrder
        self.output = try CaptureOutput(path: path)
        beginSection(byteOrder: byteOrder)
    }

    /// The bytes written so far (all of them for an in-memory writer; the unflushed rest otherwise).
    public var bytes: [UInt8] { output.buffer }

    /// Starts a new section (a Section Header Block): new byte order, no interfaces.
    public func beginSection(byteOrder: CaptureByteOrder) {
        self.byteOrder = byteOrder
        interfaces.removeAll()
        var body: [UInt8] = []
        body.append(UInt32(0x1A2B_3C4D), byteOrder)
        body.append(UInt16(1), byteOrder)
        body.append(UInt16(0), byteOrder)
        body.append(Int64(-1), byteOrder)  // section length not given
        appendBlock(type: 0x0A0D_0D0A, body: body)
    }

    /// Declares an interface (an Interface Description Block) and returns its index in the section.
    ///
    /// - Parameters:
    ///   - snapLength: packets longer than this are cut to it; 0 means no limit.
    ///   - name: written as the `if_name` option when given.
    @discardableResult
    public func addInterface(
        linkType: LinkType,
        snapLength: UInt32 = 0,
        timestampResolution: PCAPNGTimestampResolution = .microseconds,
        timestampOffsetSeconds: Int64 = 0,
        name: String? = nil
    ) -> UInt32 {
        var body: [UInt8] = []
        body.append(linkType.rawValue, byteOrder)
        body.append(UInt16(0), byteOrder)
        body.append(snapLength, byteOrder)
        if let name { appendOption(code: 2, value: Array(name.utf8), to: &body) }
        if timestampResolution != .microseconds {
            appendOption(code: 9, value: [timestampResolution.rawValue], to: &body)
        }
        if timestampOffsetSeconds != 0 {
            var value: [UInt8] = []
            value.append(timestampOffsetSeconds, byteOrder)
            appendOption(code: 14, value: value, to: &body)
        }
        if body.count > 8 { appendOption(code: 0, value: [], to: &body) }
        appendBlock(type: 1, body: body)
        interfaces.append(
            Interface(
                snapLength: snapLength,
                resolution: timestampResolution,
                offsetSeconds: timestampOffsetSeconds
            )
        )
        return UInt32(interfaces.count - 1)
    }

    /// Appends an Enhanced Packet Block, converting the timestamp to the interface's unit.
    ///
    /// - Parameter comment: written as an `opt_comment` option when given.
    public func writeEnhancedPacket(
        _ packet: UnsafeRawBufferPointer,
        interface: UInt32,
        timestampNanoseconds: Int64,
        originalLength: UInt32? = nil,
        comment: String? = nil
    ) throws(CaptureError) {
        try writeEnhancedPacket(
            packet,
            interface: interface,
            timestampUnits: units(timestampNanoseconds, interface: interface),
            originalLength: originalLength,
            comment: comment
        )
    }

    /// Appends an Enhanced Packet Block with a timestamp already in the interface's unit.
    public func writeEnhancedPacket(
        _ packet: UnsafeRawBufferPointer,
        interface: UInt32,
        timestampUnits: UInt64,
        originalLength: UInt32? = nil,
        comment: String? = nil
    ) throws(CaptureError) {
        let captured = capturedCount(packet.count, interface: interface)
        var options: [UInt8] = []
        if let comment {
            appendOption(code: 1, value: Array(comment.utf8), to: &options)
            appendOption(code: 0, value: [], to: &options)
        }
        // Fields go straight into the output buffer: no allocation per packet.
        beginPacketBlock(type: 6, headerLength: 20, captured: captured, optionsLength: options.count)
        output.buffer.append(interface, byteOrder)
        output.buffer.append(UInt32(truncatingIfNeeded: timestampUnits >> 32), byteOrder)
        output.buffer.append(UInt32(truncatingIfNeeded: timestampUnits), byteOrder)
        output.buffer.append(UInt32(captured), byteOrder)
        output.buffer.append(originalLength ?? UInt32(truncatingIfNeeded: packet.count), byteOrder)
        endPacketBlock(packet: packet, captured: captured, options: options)
        try output.flushIfFull()
    }

    /// Appends a Simple Packet Block: interface 0, no timestamp, cut to interface 0's snaplen.
    public func writeSimplePacket(_ packet: UnsafeRawBufferPointer, originalLength: UInt32? = nil) throws(CaptureError)
    {
        let captured = capturedCount(packet.count, interface: 0)
        beginPacketBlock(type: 3, headerLength: 4, captured: captured, optionsLength: 0)
        output.buffer.append(originalLength ?? UInt32(truncatingIfNeeded: packet.count), byteOrder)
        endPacketBlock(packet: packet, captured: captured, options: [])
        try output.flushIfFull()
    }

    /// Appends an obsolete Packet Block (type 2), as written by old tools.
    public func writeObsoletePacket(
        _ packet: UnsafeRawBufferPointer,
        interface: UInt16,
        timestampNanoseconds: Int64,
        originalLength: UInt32? = nil
    ) throws(CaptureError) {
        let captured = capturedCount(packet.count, interface: UInt32(interface))
        let units = units(timestampNanoseconds, interface: UInt32(interface))
        beginPacketBlock(type: 2, headerLength: 20, captured: captured, optionsLength: 0)
        output.buffer.append(interface, byteOrder)
        output.buffer.append(UInt16(0), byteOrder)  // drops count
        output.buffer.append(UInt32(truncatingIfNeeded: units >> 32), byteOrder)
        output.buffer.append(UInt32(truncatingIfNeeded: units), byteOrder)
        output.buffer.append(UInt32(captured), byteOrder)
        output.buffer.append(originalLength ?? UInt32(truncatingIfNeeded: packet.count), byteOrder)
        endPacketBlock(packet: packet, captured: captured, options: [])
        try output.flushIfFull()
    }

    /// Appends a block of any type with the given body (padded to 4 bytes), such as one a reader
    /// must skip.
    public func writeBlock(type: UInt32, body: [UInt8]) throws(CaptureError) {
        var padded = body
        padded.padToFourBytes()
        appendBlock(type: type, body: padded)
        try output.flushIfFull()
    }

    /// Writes out what is buffered; a file writer must be finished for its file to be complete.
    public func finish() throws(CaptureError) {
        try output.flush()
    }

    private func units(_ nanoseconds: Int64, interface: UInt32) -> UInt64 {
        guard Int(interface) < interfaces.count else { return 0 }
        let declared = interfaces[Int(interface)]
        let (offset, overflow) = declared.offsetSeconds.multipliedReportingOverflow(by: 1_000_000_000)
        return declared.resolution.units(nanoseconds: overflow ? nanoseconds : nanoseconds &- offset)
    }

    private func capturedCount(_ count: Int, interface: UInt32) -> Int {
        guard Int(interface) < interfaces.count else { return count }
        let snapLength = interfaces[Int(interface)].snapLength
        return snapLength == 0 ? count : min(count, Int(snapLength))
    }

    /// Writes a packet block's type and length; the caller then writes `headerLength` bytes of
    /// fields and calls `endPacketBlock`.
    private func beginPacketBlock(type: UInt32, headerLength: Int, captured: Int, optionsLength: Int) {
        let length = UInt32(12 + headerLength + ((captured + 3) & ~3) + optionsLength)
        output.buffer.append(type, byteOrder)
        output.buffer.append(length, byteOrder)
        pendingBlockLength = length
    }

    private func endPacketBlock(packet: UnsafeRawBufferPointer, captured: Int, options: [UInt8]) {
        output.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: packet[0..<captured]))
        for _ in captured..<((captured + 3) & ~3) { output.buffer.append(0) }
        output.buffer.append(contentsOf: options)
        output.buffer.append(pendingBlockLength, byteOrder)
    }

    private func appendBlock(type: UInt32, body: [UInt8]) {
        let length = UInt32(12 + body.count)
        output.buffer.append(type, byteOrder)
        output.buffer.append(length, byteOrder)
        output.buffer.append(contentsOf: body)
        output.buffer.append(length, byteOrder)
    }

    private func appendOption(code: UInt16, value: [UInt8], to body: inout [UInt8]) {
        body.append(code, byteOrder)
        body.append(UInt16(value.count), byteOrder)
        body.append(contentsOf: value)
        body.padToFourBytes()
    }
}
