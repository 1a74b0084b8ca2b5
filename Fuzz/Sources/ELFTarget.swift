// The `elf` fuzz target: the section-name reader RuntimeDetector runs on every socket owner's
// executable, a file any local user can write.

@testable import TCPDoctorLinux

/// Reads the input as an executable, with reads clamped to the file as pread(2) clamps them.
/// Beyond not crashing: each name ends at its NUL in the string table.
enum ELFTarget {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        for name in read(Array(bytes)) ?? [] where name.utf8.contains(0) {
            fail("a section name keeps its NUL: \(name.debugDescription)")
        }
    }

    /// The one call into the parser.
    static func read(_ file: [UInt8]) -> Set<String>? {
        ELFSections.names(header: Array(file.prefix(64))) { offset, count in
            guard count >= 0 else { return nil }
            guard offset < UInt64(file.count) else { return [] }
            return Array(file[Int(offset)...].prefix(count))
        }
    }
}
