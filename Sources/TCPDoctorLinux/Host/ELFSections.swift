import TCPDoctorSystem

/// Section names of an ELF64 little-endian file, read from its section header table.
///
/// Only what runtime detection needs: the names, to find `.go.buildinfo`. Three small reads
/// (header, section headers, the section-name string table), never the whole binary.
enum ELFSections {
    static func names(ofFile path: String) -> Set<String>? {
        guard case .success(let fd) = systemOpenReadOnly(path) else { return nil }
        defer { closeDescriptor(fd) }
        guard let header = read(fd, offset: 0, count: 64) else { return nil }
        return names(header: header) { offset, count in read(fd, offset: offset, count: count) }
    }

    /// The parser, pure over a reader of byte ranges; nil for anything but valid ELF64 LE.
    static func names(header: [UInt8], read: (UInt64, Int) -> [UInt8]?) -> Set<String>? {
        guard header.count >= 64, header[0] == 0x7f, header[1] == 0x45, header[2] == 0x4c, header[3] == 0x46,
            header[4] == 2, header[5] == 1
        else { return nil }
        let sectionOffset = load64(header, 0x28)
        let entrySize = Int(load16(header, 0x3a))
        let count = Int(load16(header, 0x3c))
        let nameIndex = Int(load16(header, 0x3e))
        guard entrySize >= 64, count > 0, count <= 4096, nameIndex < count,
            let table = read(sectionOffset, entrySize * count), table.count == entrySize * count
        else { return nil }
        let namesHeader = nameIndex * entrySize
        let namesOffset = load64(table, namesHeader + 0x18)
        let namesSize = Int(min(load64(table, namesHeader + 0x20), 1 << 20))
        guard let strings = read(namesOffset, namesSize), strings.count == namesSize else { return nil }
        var names: Set<String> = []
        for index in 0..<count {
            let start = Int(load32(table, index * entrySize))
            guard start < strings.count else { continue }
            let end = strings[start...].firstIndex(of: 0) ?? strings.count
            names.insert(String(decoding: strings[start..<end], as: UTF8.self))
        }
        return names
    }

    private static func read(_ fd: Int32, offset: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, count <= 1 << 22 else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { systemPread(fd, $0, offset: Int64(offset)) }
        guard case .success(let length) = got else { return nil }
        return Array(buffer.prefix(length))
    }

    private static func load16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        at + 2 <= bytes.count ? UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 : 0
    }

    private static func load32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        at + 4 <= bytes.count ? (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) } : 0
    }

    private static func load64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        at + 8 <= bytes.count ? (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } : 0
    }
}
