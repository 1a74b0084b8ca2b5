import Testing

@testable import TCPDoctorLinux

struct ProcBytesTests {
    @Test(arguments: [
        ("socket:[1]", 1 as UInt64?),
        ("socket:[659426]", 659_426),
        ("socket:[18446744073709551615]", UInt64.max),
        ("socket:[18446744073709551616]", nil),
        ("socket:[]", nil),
        ("socket:[12", nil),
        ("socket:[1x]", nil),
        ("socket:[-1]", nil),
        ("pipe:[659426]", nil),
        ("Socket:[659426]", nil),
        ("anon_inode:[eventpoll]", nil),
        ("/dev/null", nil),
        ("socket:[123456789012345678901]", nil),
        ("", nil),
    ])
    func socketLinks(_ link: String, _ inode: UInt64?) {
        let parsed = Array(link.utf8).withUnsafeBytes { ProcBytes.socketInode(link: $0) }
        #expect(parsed == inode)
    }

    @Test(arguments: [
        ("0", 0 as UInt64?), ("42", 42), ("18446744073709551615", UInt64.max), ("18446744073709551616", nil),
        ("", nil), ("4 2", nil), ("+1", nil), ("0x1", nil),
    ])
    func decimals(_ text: String, _ value: UInt64?) {
        #expect(Array(text.utf8).withUnsafeBytes { ProcBytes.decimal($0) } == value)
    }

    @Test(arguments: [
        ("-1", -1 as Int64?), ("0", 0), ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
        ("-9223372036854775809", nil), ("-", nil), ("--1", nil), ("1-", nil),
    ])
    func signedDecimals(_ text: String, _ value: Int64?) {
        #expect(Array(text.utf8).withUnsafeBytes { ProcBytes.signedDecimal($0) } == value)
    }

    @Test(arguments: [
        ("0100007F", 0x0100_007F as UInt64?), ("ffffffffFFFFFFFF", UInt64.max), ("0A", 10), ("", nil),
        ("10000000000000000", nil), ("0G", nil), (" 1", nil),
    ])
    func hexadecimals(_ text: String, _ value: UInt64?) {
        #expect(Array(text.utf8).withUnsafeBytes { ProcBytes.hex($0) } == value)
    }

    @Test func fieldsCountsBeyondCapacity() {
        let line = Array("  a bb\tccc  d ".utf8)
        var ranges = [Range<Int>](repeating: 0..<0, count: 2)
        let count = line.withUnsafeBytes { bytes in
            ranges.withUnsafeMutableBufferPointer { ProcBytes.fields(of: bytes, into: $0) }
        }
        #expect(count == 4)
        #expect(ranges == [2..<3, 4..<6])
    }

    /// Builds `struct linux_dirent64` records as the kernel lays them out.
    static func dirent(_ name: String, type: UInt8, length: Int? = nil) -> [UInt8] {
        let natural = (19 + name.utf8.count + 1 + 7) / 8 * 8
        let recordLength = length ?? natural
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes += [UInt8(recordLength & 0xff), UInt8(recordLength >> 8), type]
        bytes += Array(name.utf8) + [0]
        bytes += [UInt8](repeating: 0, count: max(0, natural - bytes.count))
        return bytes
    }

    @Test func direntsYieldNamesAndTypesWithoutDots() throws {
        let buffer =
            Self.dirent(".", type: 4) + Self.dirent("..", type: 4) + Self.dirent("0", type: 10)
            + Self.dirent("12345", type: 10) + Self.dirent("self", type: 10)
        var seen: [String] = []
        try buffer.withUnsafeBytes { bytes in
            try ProcBytes.forEachDirent(bytes, in: "/proc/1/fd") { name, type in
                seen.append("\(ProcBytes.string(name))/\(type)")
            }
        }
        #expect(seen == ["0/10", "12345/10", "self/10"])
    }

    @Test(arguments: [
        (dirent("0", type: 10, length: 400), "directory record length 400 at byte 0 overruns the buffer"),
        (dirent("0", type: 10, length: 0), "directory record length 0 at byte 0 overruns the buffer"),
        (dirent("0", type: 10) + [1, 2, 3], "truncated directory record at byte 24"),
    ])
    func malformedDirentsAreErrors(_ buffer: [UInt8], _ message: String) {
        let error = #expect(throws: LinuxError.self) {
            try buffer.withUnsafeBytes { bytes in
                try ProcBytes.forEachDirent(bytes, in: "/proc/9/fd") { _, _ in }
            }
        }
        #expect(error?.message == "/proc/9/fd: \(message)")
    }
}
