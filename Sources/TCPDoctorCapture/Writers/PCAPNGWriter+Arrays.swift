// Array conveniences for tests. Array.withUnsafeBytes rethrows untyped errors, so the typed error
// is carried out in a Result.

extension PCAPNGWriter {
    /// Appends an Enhanced Packet Block from an array.
    public func writeEnhancedPacket(
        _ packet: [UInt8],
        interface: UInt32,
        timestampNanoseconds: Int64,
        originalLength: UInt32? = nil,
        comment: String? = nil
    ) throws(CaptureError) {
        try packet.withUnsafeBytes { bytes in
            Result { () throws(CaptureError) in
                try writeEnhancedPacket(
                    bytes,
                    interface: interface,
                    timestampNanoseconds: timestampNanoseconds,
                    originalLength: originalLength,
                    comment: comment
                )
            }
        }.get()
    }

    /// Appends an Enhanced Packet Block from an array, its timestamp in the interface's unit.
    public func writeEnhancedPacket(
        _ packet: [UInt8],
        interface: UInt32,
        timestampUnits: UInt64,
        originalLength: UInt32? = nil
    ) throws(CaptureError) {
        try packet.withUnsafeBytes { bytes in
            Result { () throws(CaptureError) in
                try writeEnhancedPacket(
                    bytes,
                    interface: interface,
                    timestampUnits: timestampUnits,
                    originalLength: originalLength
                )
            }
        }.get()
    }

    /// Appends a Simple Packet Block from an array.
    public func writeSimplePacket(_ packet: [UInt8], originalLength: UInt32? = nil) throws(CaptureError) {
        try packet.withUnsafeBytes { bytes in
            Result { () throws(CaptureError) in try writeSimplePacket(bytes, originalLength: originalLength) }
        }.get()
    }

    /// Appends an obsolete Packet Block from an array.
    public func writeObsoletePacket(
        _ packet: [UInt8],
        interface: UInt16,
        timestampNanoseconds: Int64,
        originalLength: UInt32? = nil
    ) throws(CaptureError) {
        try packet.withUnsafeBytes { bytes in
            Result { () throws(CaptureError) in
                try writeObsoletePacket(
                    bytes,
                    interface: interface,
                    timestampNanoseconds: timestampNanoseconds,
                    originalLength: originalLength
                )
            }
        }.get()
    }
}
