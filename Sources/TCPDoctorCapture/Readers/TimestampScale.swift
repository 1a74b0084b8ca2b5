/// Converts a pcapng interface's timestamp units to nanoseconds since the Unix epoch.
///
/// `if_tsresol` gives the unit as a negative power of 10 (high bit clear) or of 2 (high bit set);
/// the default is microseconds. `if_tsoffset` adds whole seconds. Values that cannot be
/// represented clamp to the ends of `Int64` rather than trapping: a hostile file gets odd
/// timestamps, not a crash.
struct TimestampScale: Hashable, Sendable {
    private enum Kind: Hashable, Sendable {
        case multiply(UInt64)
        case divide(UInt64)
        case binary(shift: Int)
        case zero
    }

    private let kind: Kind
    /// The `if_tsoffset` in nanoseconds.
    private let offsetNanoseconds: Int64

    /// The pcapng default: microseconds, no offset.
    static let microseconds = TimestampScale(resolution: 6, offsetSeconds: 0)

    /// - Parameters:
    ///   - resolution: the `if_tsresol` byte.
    ///   - offsetSeconds: the `if_tsoffset` value.
    init(resolution: UInt8, offsetSeconds: Int64) {
        let exponent = Int(resolution & 0x7f)
        if resolution & 0x80 != 0 {
            kind = .binary(shift: exponent)
        } else if exponent <= 9 {
            kind = .multiply(Self.powerOfTen(9 - exponent))
        } else if exponent - 9 <= 19 {
            kind = .divide(Self.powerOfTen(exponent - 9))
        } else {
            // Units below 10^-28 s: every 64-bit count is less than a nanosecond.
            kind = .zero
        }
        let (offset, overflow) = offsetSeconds.multipliedReportingOverflow(by: 1_000_000_000)
        offsetNanoseconds = overflow ? (offsetSeconds < 0 ? .min : .max) : offset
    }

    /// The time of a timestamp of `units`, in nanoseconds since the epoch.
    @inline(__always)
    func nanoseconds(units: UInt64) -> Int64 {
        let scaled: UInt64
        switch kind {
        case .multiply(let factor):
            let (product, overflow) = units.multipliedReportingOverflow(by: factor)
            scaled = overflow ? .max : product
        case .divide(let divisor):
            scaled = units / divisor
        case .binary(let shift):
            // units * 10^9 / 2^shift in 128 bits, so that 2^-30 units of 64 bits stay exact.
            let (high, low) = units.multipliedFullWidth(by: 1_000_000_000)
            if shift == 0 {
                scaled = high == 0 ? low : .max
            } else if shift < 64 {
                scaled = high >> shift == 0 ? (low >> shift) | (high << (64 - shift)) : .max
            } else {
                scaled = high >> (shift - 64)
            }
        case .zero:
            scaled = 0
        }
        let value = scaled > UInt64(Int64.max) ? Int64.max : Int64(scaled)
        let (sum, overflow) = value.addingReportingOverflow(offsetNanoseconds)
        return overflow ? (offsetNanoseconds < 0 ? .min : .max) : sum
    }

    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        var value: UInt64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
