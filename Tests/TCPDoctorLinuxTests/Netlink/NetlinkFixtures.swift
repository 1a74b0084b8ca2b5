import Foundation

/// Netlink reply fixtures: hex text, one netlink message per line, `#` comment lines.
enum NetlinkFixtures {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// The bytes of `Fixtures/netlink/NAME` from the test bundle.
    static func load(_ name: String) throws -> [UInt8] {
        guard
            let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/netlink")
        else { throw Missing(description: "fixture Fixtures/netlink/\(name) is not in the test bundle") }
        return try parse(String(contentsOf: url, encoding: .utf8), name: name)
    }

    /// Hex text to bytes; a stray character is an error naming the line.
    static func parse(_ text: String, name: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.trimmingCharacters(in: .whitespaces)
            if content.isEmpty || content.hasPrefix("#") { continue }
            let digits = Array(content.utf8).filter { $0 != UInt8(ascii: " ") }
            guard digits.count % 2 == 0 else {
                throw Missing(description: "\(name) line \(index + 1): odd number of hex digits")
            }
            for pair in stride(from: 0, to: digits.count, by: 2) {
                guard let high = hexValue(digits[pair]), let low = hexValue(digits[pair + 1]) else {
                    throw Missing(description: "\(name) line \(index + 1): not hex")
                }
                bytes.append(high << 4 | low)
            }
        }
        return bytes
    }

    /// Datagrams as hex text: a comment per datagram, then one line per netlink message.
    static func format(_ datagrams: [[UInt8]], header: String) -> String {
        var text = header.split(separator: "\n").map { "# \($0)\n" }.joined()
        for (index, datagram) in datagrams.enumerated() {
            text += "# datagram \(index + 1): \(datagram.count) bytes\n"
            var offset = 0
            while offset + 16 <= datagram.count {
                let length = datagram[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | Int($1) }
                let end = min(datagram.count, offset + max(16, (length + 3) & ~3))
                text += datagram[offset..<end].map { hex($0) }.joined() + "\n"
                offset = end
            }
            if offset < datagram.count { text += datagram[offset...].map { hex($0) }.joined() + "\n" }
        }
        return text
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
