// Unaligned loads for parsers. Callers check bounds before loading: these helpers trust the offset,
// and the standard library's debug preconditions catch a mistake in test and fuzz builds.

extension UnsafeRawBufferPointer {
    @inline(__always)
    func byte(_ offset: Int) -> UInt8 {
        self[offset]
    }

    @inline(__always)
    func bigEndianUInt16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func bigEndianUInt32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func bigEndianUInt64(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A 16-bit field of a file written in the host's order (`swapped == false`) or the other one.
    @inline(__always)
    func uint16(_ offset: Int, swapped: Bool) -> UInt16 {
        let value = loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return swapped ? value.byteSwapped : value
    }

    /// A 32-bit field of a file written in the host's order (`swapped == false`) or the other one.
    @inline(__always)
    func uint32(_ offset: Int, swapped: Bool) -> UInt32 {
        let value = loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return swapped ? value.byteSwapped : value
    }

    /// A 64-bit field of a file written in the host's order (`swapped == false`) or the other one.
    @inline(__always)
    func uint64(_ offset: Int, swapped: Bool) -> UInt64 {
        let value = loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return swapped ? value.byteSwapped : value
    }
}
