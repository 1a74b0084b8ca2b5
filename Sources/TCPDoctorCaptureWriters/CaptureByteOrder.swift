import TCPDoctorCapture

/// The byte order a writer uses for a file's headers (packet bytes are always as on the wire).
public enum CaptureByteOrder: Hashable, Sendable, CaseIterable {
    case littleEndian
    case bigEndian

    /// The order of the machine running this code, which is what capture tools write.
    public static var host: CaptureByteOrder {
        1.littleEndian == 1 ? .littleEndian : .bigEndian
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func append<T: FixedWidthInteger>(_ value: T, _ order: CaptureByteOrder) {
        let ordered = order == .bigEndian ? value.bigEndian : value.littleEndian
        Swift.withUnsafeBytes(of: ordered) { append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// Appends zero bytes until the count is a multiple of 4, as pcapng pads every field.
    @inline(__always)
    mutating func padToFourBytes() {
        while count % 4 != 0 { append(0) }
    }
}
