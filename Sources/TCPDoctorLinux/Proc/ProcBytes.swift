/// Byte-level parsing shared by the /proc readers: no String, no allocation, no Foundation.
///
/// /proc prints numbers in decimal and hexadecimal with fixed formats; parsing them by hand from
/// the raw bytes keeps the fd walk and the /proc/net/tcp fallback near the cost of the syscalls.
enum ProcBytes {
    /// `socket:[` as a little-endian 64-bit load, to test the prefix of a link in one comparison.
    private static let socketPrefix: UInt64 = 0x5b3a_7465_6b63_6f73

    /// The inode in a `socket:[INODE]` link target, or nil for any other target.
    ///
    /// The kernel's `sockfs_dname` prints exactly `socket:[%lu]`; anything else (files, pipes,
    /// `anon_inode:[eventpoll]`, a truncated read) is not a socket.
    @inline(__always)
    static func socketInode(link: UnsafeRawBufferPointer) -> UInt64? {
        let count = link.count
        // "socket:[1]" is 10 bytes; a 20-digit inode makes 29.
        guard count >= 10, count <= 29, link[count - 1] == UInt8(ascii: "]") else { return nil }
        guard UInt64(littleEndian: link.loadUnaligned(as: UInt64.self)) == socketPrefix else { return nil }
        return decimal(UnsafeRawBufferPointer(rebasing: link[8..<(count - 1)]))
    }

    /// An unsigned decimal number filling all of `bytes`; nil if empty, not all digits, or too big.
    @inline(__always)
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// A signed decimal number (optional leading `-`) filling all of `bytes`.
    static func signedDecimal(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "-") {
            guard let magnitude = decimal(UnsafeRawBufferPointer(rebasing: bytes.dropFirst())),
                magnitude <= UInt64(Int64.max) + 1
            else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard let magnitude = decimal(bytes) else { return nil }
        // Kernel counters are unsigned long; one past Int64.max cannot happen in practice, and
        // wrapping keeps a whole counter file readable if it ever does.
        return Int64(bitPattern: magnitude)
    }

    /// An unsigned hexadecimal number (either case) filling all of `bytes`, at most 16 digits.
    @inline(__always)
    static func hex(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard let nibble = hexDigit(byte) else { return nil }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }

    @inline(__always)
    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        default: nil
        }
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// The offsets of every whitespace-separated field of a line, at most `into.count` of them.
    ///
    /// - Returns: how many fields there are in total (may exceed the capacity of `into`).
    @inline(__always)
    static func fields(
        of line: UnsafeRawBufferPointer,
        into ranges: UnsafeMutableBufferPointer<Range<Int>>
    ) -> Int {
        var count = 0
        var index = 0
        let end = line.count
        while index < end {
            while index < end && isSpace(line[index]) { index += 1 }
            if index == end { break }
            let start = index
            while index < end && !isSpace(line[index]) { index += 1 }
            if count < ranges.count { ranges[count] = start..<index }
            count += 1
        }
        return count
    }

    /// Splits `bytes` into lines (without their `\n`) and calls `body` with each and its number.
    static func forEachLine(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer, Int) throws(LinuxError) -> Void
    ) throws(LinuxError) {
        var start = 0
        var lineNumber = 1
        let newline = UInt8(ascii: "\n")
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != newline { end += 1 }
            try body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), lineNumber)
            lineNumber += 1
            start = end + 1
        }
    }

    /// The bytes as text (invalid UTF-8 repaired), for names and messages only.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// A short quoted excerpt of a line for an error message.
    static func excerpt(_ line: UnsafeRawBufferPointer, limit: Int = 60) -> String {
        let text = string(UnsafeRawBufferPointer(rebasing: line.prefix(limit)))
        return line.count > limit ? "\"\(text)...\"" : "\"\(text)\""
    }

    /// Calls `body` with the name (without its NUL) and `d_type` of each `struct linux_dirent64`
    /// in a `getdents64(2)` buffer, skipping `.` and `..`.
    ///
    /// - Throws: `LinuxError.malformedProcData` when a record length does not fit the buffer.
    static func forEachDirent(
        _ buffer: UnsafeRawBufferPointer,
        in directory: String,
        _ body: (_ name: UnsafeRawBufferPointer, _ type: UInt8) throws(LinuxError) -> Void
    ) throws(LinuxError) {
        // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
        let header = 19
        var offset = 0
        while offset < buffer.count {
            guard offset + header < buffer.count else {
                throw LinuxError(.malformedProcData, "\(directory): truncated directory record at byte \(offset)")
            }
            let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 16, as: UInt16.self))
            guard length > header, offset + length <= buffer.count else {
                throw LinuxError(
                    .malformedProcData,
                    "\(directory): directory record length \(length) at byte \(offset) overruns the buffer"
                )
            }
            let type = buffer[offset + 18]
            var end = offset + header
            while end < offset + length && buffer[end] != 0 { end += 1 }
            let name = UnsafeRawBufferPointer(rebasing: buffer[(offset + header)..<end])
            offset += length
            if name.isEmpty || name.elementsEqual(".".utf8) || name.elementsEqual("..".utf8) { continue }
            try body(name, type)
        }
    }
}
