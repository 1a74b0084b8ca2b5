import TCPDoctorCapture

/// The unit of a pcapng interface's timestamps: the `if_tsresol` option.
public struct PCAPNGTimestampResolution: Hashable, Sendable {
    /// The option byte: the exponent, with the high bit set for a power of 2.
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Units of 10^-exponent seconds.
    public static func decimal(_ exponent: UInt8) -> PCAPNGTimestampResolution {
        PCAPNGTimestampResolution(rawValue: exponent & 0x7f)
    }

    /// Units of 2^-exponent seconds.
    public static func binary(_ exponent: UInt8) -> PCAPNGTimestampResolution {
        PCAPNGTimestampResolution(rawValue: 0x80 | exponent & 0x7f)
    }

    /// The pcapng default, written without an option.
    public static let microseconds = decimal(6)
    public static let nanoseconds = decimal(9)

    /// Nanoseconds since the epoch (minus the interface's offset) in this unit, rounded down;
    /// values outside the unsigned 64-bit range clamp.
    public func units(nanoseconds: Int64) -> UInt64 {
        guard nanoseconds > 0 else { return 0 }
        let value = UInt64(nanoseconds)
        let exponent = Int(rawValue & 0x7f)
        if rawValue & 0x80 != 0 {
            // value * 2^exponent / 10^9 in 128 bits.
            guard exponent < 64 else { return .max }
            let high = exponent == 0 ? 0 : value >> (64 - exponent)
            let low = value << exponent
            guard high < 1_000_000_000 else { return .max }
            return UInt64(1_000_000_000).dividingFullWidth((high, low)).quotient
        }
        if exponent <= 9 { return value / Self.powerOfTen(9 - exponent) }
        guard exponent - 9 <= 19 else { return .max }
        let (product, overflow) = value.multipliedReportingOverflow(by: Self.powerOfTen(exponent - 9))
        return overflow ? .max : product
    }

    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        var value: UInt64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
