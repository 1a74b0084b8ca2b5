import TCPDoctorCapture

// Array conveniences for tests.

extension PCAPNGWriter {
    /// Appends an Enhanced Packet Block from an array.
    public func writeEnhancedPacket(
        _ packet: [UInt8],
        interface: UInt32,
        timestampNanoseconds: Int64,
        originalLength: UInt32? = nil,
        comment: String? = nil
    ) throws(CaptureError) {
        try Self.withBytes(of: packet) { bytes throws(CaptureError) in
            try writeEnhancedPacket(
                bytes,
                interface: interface,
                timestampNanoseconds: timestampNanoseconds,
                originalLength: originalLength,
                comment: comment
            )
        }
    }

    /// Appends an Enhanced Packet Block from an array, its timestamp in the interface's unit.
    public func writeEnhancedPacket(
        _ packet: [UInt8],
        interface: UInt32,
        timestampUnits: UInt64,
        originalLength: UInt32? = nil
    ) throws(CaptureError) {
        try Self.withBytes(of: packet) { bytes throws(CaptureError) in
            try writeEnhancedPacket(
                bytes,
                interface: interface,
                timestampUnits: timestampUnits,
                originalLength: originalLength
            )
        }
    }

    /// Appends a Simple Packet Block from an array.
    public func writeSimplePacket(_ packet: [UInt8], originalLength: UInt32? = nil) throws(CaptureError) {
        try Self.withBytes(of: packet) { bytes throws(CaptureError) in
            try writeSimplePacket(bytes, originalLength: originalLength)
        }
    }

    /// Appends an obsolete Packet Block from an array.
    public func writeObsoletePacket(
        _ packet: [UInt8],
        interface: UInt16,
        timestampNanoseconds: Int64,
        originalLength: UInt32? = nil
    ) throws(CaptureError) {
        try Self.withBytes(of: packet) { bytes throws(CaptureError) in
            try writeObsoletePacket(
                bytes,
                interface: interface,
                timestampNanoseconds: timestampNanoseconds,
                originalLength: originalLength
            )
        }
    }

    /// `packet.withUnsafeBytes` with the typed error kept: `Array.withUnsafeBytes` rethrows
    /// untyped errors, so the error is carried out in a `Result`.
    private static func withBytes(
        of packet: [UInt8],
        _ body: (UnsafeRawBufferPointer) throws(CaptureError) -> Void
    ) throws(CaptureError) {
        try packet.withUnsafeBytes { bytes in Result { () throws(CaptureError) in try body(bytes) } }.get()
    }
}
