/// An IPv4 or IPv6 address as a value, stored in two words so that it hashes and compares cheaply.
///
/// IPv4 addresses keep their 32 bits in the low word (host byte order, so `127.0.0.1` is
/// `0x7f00_0001`). IPv6 addresses keep their first 8 bytes in `high` and the last 8 in `low`, each
/// big-endian as on the wire.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Family: UInt8, Sendable, Hashable {
        case ipv4 = 4
        case ipv6 = 6
    }

    public let family: Family
    public let high: UInt64
    public let low: UInt64

    /// An IPv4 address from its 32 bits in host byte order.
    public init(ipv4 value: UInt32) {
        self.family = .ipv4
        self.high = 0
        self.low = UInt64(value)
    }

    /// An IPv6 address from its two 64-bit halves, each as the big-endian number of its 8 bytes.
    public init(ipv6High high: UInt64, low: UInt64) {
        self.family = .ipv6
        self.high = high
        self.low = low
    }

    /// An address from its bytes in network order: 4 for IPv4, 16 for IPv6.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        switch bytes.count {
        case 4:
            self.init(ipv4: bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (index, byte) in bytes.enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            self.init(ipv6High: high, low: low)
        default:
            return nil
        }
    }

    public static let ipv4Any = IPAddress(ipv4: 0)
    public static let ipv6Any = IPAddress(ipv6High: 0, low: 0)

    /// The 32 bits of an IPv4 address, or of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
    public var ipv4Value: UInt32? {
        switch family {
        case .ipv4: UInt32(truncatingIfNeeded: low)
        case .ipv6: isIPv4Mapped ? UInt32(truncatingIfNeeded: low) : nil
        }
    }

    /// Whether this is an IPv6 address of the form `::ffff:a.b.c.d`.
    public var isIPv4Mapped: Bool { family == .ipv6 && high == 0 && low >> 32 == 0xffff }

    /// Whether this is the unspecified address (`0.0.0.0` or `::`).
    public var isUnspecified: Bool { high == 0 && low == 0 }

    /// Whether this is a loopback address (`127.0.0.0/8`, `::1`, or `::ffff:127.x.x.x`).
    public var isLoopback: Bool {
        if let v4 = ipv4Value { return v4 >> 24 == 127 }
        return high == 0 && low == 1
    }

    /// The address in network byte order: 4 or 16 bytes.
    public var bytes: [UInt8] {
        switch family {
        case .ipv4:
            return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * UInt64($0))) }
        case .ipv6:
            let h = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            let l = (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
            return h + l
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.family.rawValue, lhs.high, lhs.low) < (rhs.family.rawValue, rhs.high, rhs.low)
    }

    /// Dotted quad for IPv4; RFC 5952 text for IPv6 (lower case, longest zero run compressed).
    public var description: String {
        switch family {
        case .ipv4:
            return Self.dottedQuad(UInt32(truncatingIfNeeded: low))
        case .ipv6:
            if isIPv4Mapped { return "::ffff:" + Self.dottedQuad(UInt32(truncatingIfNeeded: low)) }
            return Self.ipv6Text(high: high, low: low)
        }
    }

    private static func dottedQuad(_ v: UInt32) -> String {
        "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)"
    }

    private static func ipv6Text(high: UInt64, low: UInt64) -> String {
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            groups[i] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(i)))
            groups[i + 4] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(i)))
        }
        // RFC 5952 4.2: compress the longest run of two or more zero groups, the first if tied.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

extension IPAddress {
    /// Parses `a.b.c.d` or an IPv6 text form (with `::`, and an optional trailing dotted quad).
    ///
    /// Square brackets around an IPv6 address are accepted, as users type them from URLs.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if !text.contains(":") {
            guard let v4 = Self.parseDottedQuad(text) else { return nil }
            self.init(ipv4: v4)
            return
        }
        guard let groups = Self.parseIPv6Groups(text) else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (i, group) in groups.enumerated() {
            if i < 4 { high = high << 16 | UInt64(group) } else { low = low << 16 | UInt64(group) }
        }
        self.init(ipv6High: high, low: low)
    }

    private static func parseDottedQuad(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt8(part) else {
                return nil
            }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    private static func parseIPv6Groups(_ text: Substring) -> [UInt16]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseDottedQuad(piece) else { return nil }
                    result.append(UInt16(v4 >> 16))
                    result.append(UInt16(v4 & 0xffff))
                } else {
                    guard (1...4).contains(piece.count), let g = UInt16(piece, radix: 16) else { return nil }
                    result.append(g)
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}

extension Substring {
    fileprivate func components(separatedBy separator: String) -> [Substring] {
        var result: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            result.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        result.append(rest)
        return result
    }
}

extension IPAddress {
    /// Appends `description`'s bytes to `buffer`; IPv4 without allocating a String.
    ///
    /// Renderers print hundreds of thousands of addresses; this is their fast path.
    @inlinable
    public func appendText(to buffer: inout [UInt8]) {
        guard family == .ipv4 else {
            var text = description
            text.withUTF8 { buffer.append(contentsOf: $0) }
            return
        }
        let value = UInt32(truncatingIfNeeded: low)
        for shift in stride(from: 24, through: 0, by: -8) {
            let octet = UInt8(truncatingIfNeeded: value >> UInt32(shift))
            if octet >= 100 { buffer.append(48 + octet / 100) }
            if octet >= 10 { buffer.append(48 + octet / 10 % 10) }
            buffer.append(48 + octet % 10)
            if shift > 0 { buffer.append(UInt8(ascii: ".")) }
        }
    }
}
