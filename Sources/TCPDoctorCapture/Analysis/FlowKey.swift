import TCPDoctorCore

/// A connection's 4-tuple in canonical order, so that both directions find the same entry.
///
/// Endpoint A is the smaller of the two by (address, port). `Endpoint` itself is not the key
/// because its hash goes through `Hasher` (SipHash), which would cost more than the rest of the
/// per-packet work; five words compared directly and mixed by `hash(seed:)` keep a lookup to a few
/// nanoseconds.
struct FlowKey: Equatable {
    var addressAHigh: UInt64
    var addressALow: UInt64
    var addressBHigh: UInt64
    var addressBLow: UInt64
    /// Port of A in the high 16 bits, port of B in the low 16 bits.
    var ports: UInt32
    var isIPv6: Bool

    /// The key of a segment, and whether its source is endpoint A.
    @inline(__always)
    static func make(source: Endpoint, destination: Endpoint) -> (key: FlowKey, sourceIsA: Bool) {
        let s = source.address
        let d = destination.address
        let sourceIsA: Bool
        if s.high != d.high {
            sourceIsA = s.high < d.high
        } else if s.low != d.low {
            sourceIsA = s.low < d.low
        } else {
            sourceIsA = source.port <= destination.port
        }
        let (a, b) = sourceIsA ? (source, destination) : (destination, source)
        let key = FlowKey(
            addressAHigh: a.address.high,
            addressALow: a.address.low,
            addressBHigh: b.address.high,
            addressBLow: b.address.low,
            ports: UInt32(a.port) << 16 | UInt32(b.port),
            isIPv6: s.family == .ipv6
        )
        return (key, sourceIsA)
    }

    /// Endpoint A as a value.
    var endpointA: Endpoint {
        Endpoint(address: Self.address(high: addressAHigh, low: addressALow, isIPv6: isIPv6), port: UInt16(ports >> 16))
    }

    /// Endpoint B as a value.
    var endpointB: Endpoint {
        Endpoint(
            address: Self.address(high: addressBHigh, low: addressBLow, isIPv6: isIPv6),
            port: UInt16(truncatingIfNeeded: ports)
        )
    }

    private static func address(high: UInt64, low: UInt64, isIPv6: Bool) -> IPAddress {
        isIPv6 ? IPAddress(ipv6High: high, low: low) : IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
    }

    /// A 64-bit hash of the key, mixed with a per-table seed so that a crafted capture cannot aim
    /// every flow at one bucket chain of a known hash function.
    ///
    /// Folded multiplications (the 128-bit product's halves xored, as in wyhash): two for IPv4,
    /// three for IPv6. Four rounds of SplitMix64's finaliser cost about 40 instructions per packet
    /// here, a tenth of the analyzer's own work on a packet.
    @inline(__always)
    func hash(seed: UInt64) -> UInt64 {
        let rotated = seed << 32 | seed >> 32
        var h = Self.fold(addressALow ^ seed, addressBLow ^ rotated ^ 0xa076_1d64_78bd_642f)
        if addressAHigh | addressBHigh != 0 {
            h ^= Self.fold(addressAHigh ^ rotated, addressBHigh ^ seed ^ 0xe703_7ed1_a0b4_28db)
        }
        return Self.fold(h ^ (UInt64(ports) << 1 | (isIPv6 ? 1 : 0)), seed ^ 0x8ebc_6af0_9c88_c6e3)
    }

    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }
}
