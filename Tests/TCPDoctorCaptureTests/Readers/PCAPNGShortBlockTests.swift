import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

/// A pcapng block whose length field is there but below 12 (type, length and trailing length) is
/// a corrupt block, wherever the file ends: not a file that "ends inside a block header".
struct PCAPNGShortBlockTests {
    /// A little-endian Section Header Block (0..<28) and Interface Description Block (28..<48).
    static var header: [UInt8] {
        let writer = PCAPNGWriter(byteOrder: .littleEndian)
        writer.addInterface(linkType: .ethernet)
        return writer.bytes
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// An Enhanced Packet Block header claiming `length`, then `extra` more bytes, at offset 48;
    /// or right after the Section Header Block, at 28, as in the issue.
    @Test(arguments: [UInt32(0), 4, 8], [0, 4, 100])
    func lengthBelowTwelveIsACorruptBlock(length: UInt32, extra: Int) throws {
        for afterSection in [false, true] {
            let prefix = afterSection ? Array(Self.header.prefix(28)) : Self.header
            let bytes = prefix + Self.littleEndian(6) + Self.littleEndian(length) + [UInt8](repeating: 0, count: extra)
            for chunkLength in [nil, 1, 9, 64] as [Int?] {
                let result = readPackets(bytes, name: "short.pcapng", chunkLength: chunkLength)
                let error = try #require(result.error, "length \(length), \(extra) more bytes: \(result.warnings)")
                #expect(error.code == .corruptBlock)
                #expect(error.byteOffset == Int64(prefix.count))
                #expect(error.message == "block length \(length) at byte offset \(prefix.count) is below 12")
                #expect(result.warnings.isEmpty)
            }
        }
    }

    /// The same bytes on disk, through the file reader.
    @Test func fileWithAZeroLengthBlockIsCorrupt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("zero.pcapng")
        #expect(
            FileManagerShim.create(path, bytes: Array(Self.header.prefix(28)) + Self.littleEndian(6) + [0, 0, 0, 0])
        )
        let error = try #require(readPackets(file: path).error)
        #expect(error.description == "\(path): byte offset 28: block length 0 at byte offset 28 is below 12")
    }

    /// Fewer than 8 bytes of a block are still a truncated tail, a warning.
    @Test(arguments: [1, 4, 7])
    func blockHeaderCutShortIsATruncatedTail(present: Int) throws {
        let bytes = Self.header + Array((Self.littleEndian(6) + Self.littleEndian(32)).prefix(present))
        let result = readPackets(bytes, name: "cut.pcapng")
        #expect(result.error == nil)
        let warning = try #require(result.warnings.first)
        #expect(warning.code == .truncated)
        #expect(warning.message.contains("inside a block header (\(present) bytes present)"))
    }
}
