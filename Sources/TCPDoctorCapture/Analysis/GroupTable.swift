import TCPDoctorCore

/// A key of a `GroupTable`: equality, and a 64-bit hash from a cheap mixer.
protocol GroupKey: Equatable {
    /// A well-mixed 64-bit hash of the key.
    var mixedHash: UInt64 { get }
}

/// The summary's groups (per service, per holder and peer, per RST sender) in insertion order,
/// found by key through an open-addressing index.
///
/// A `Dictionary` keyed by `Endpoint` hashes every lookup through `Hasher` (SipHash over each
/// field, and `Connection.Role` hashes its raw value, a string), and moves its values each time it
/// grows; once per connection, that showed as a tenth of the analysis of a capture with many
/// short connections. Here the values sit in an array that grows by appending, the index holds
/// only positions, and the hash is a multiply-xorshift mixer. The summary is built from the
/// capture, not from the network, and holds no seeded secret: a crafted capture could slow it by
/// aiming keys at one run of the index, no worse than quadratic in the number of groups.
struct GroupTable<Key: GroupKey, Value> {
    private(set) var keys: [Key] = []
    private(set) var values: [Value] = []
    /// Position in `keys` plus one for each used slot, 0 for an empty one; at most half full.
    private var slots = [Int32](repeating: 0, count: 16)

    var count: Int { keys.count }

    /// Applies `body` to the value for `key`, inserting `make()` first when the key is new.
    ///
    /// A method rather than a subscript with a `_modify` accessor: the accessor's coroutine frame,
    /// too large for its inline buffer with a value of a few hundred bytes, was allocated and freed
    /// on the heap, once per connection.
    @inline(__always)
    mutating func update(_ key: Key, default make: @autoclosure () -> Value, _ body: (inout Value) -> Void) {
        let index = position(of: key, orInsert: make)
        body(&values[index])
    }

    /// The value for `key`, if present.
    subscript(key: Key) -> Value? {
        lookup(key).position.map { values[$0] }
    }

    /// Every key with its value, in insertion order.
    var elements: Zip2Sequence<[Key], [Value]> { zip(keys, values) }

    private mutating func position(of key: Key, orInsert make: () -> Value) -> Int {
        let (found, slot) = lookup(key)
        if let found { return found }
        keys.append(key)
        values.append(make())
        slots[slot] = Int32(keys.count)
        if keys.count * 2 > slots.count { grow() }
        return keys.count - 1
    }

    /// The position of `key` if present, and the slot where the probe for it ended.
    private func lookup(_ key: Key) -> (position: Int?, slot: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: key.mixedHash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return (nil, slot) }
            if keys[Int(entry) - 1] == key { return (Int(entry) - 1, slot) }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, key) in keys.enumerated() {
            var slot = Int(truncatingIfNeeded: key.mixedHash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index + 1)
        }
    }
}

// Keys and values are plain values; the table has no shared state of its own.
extension GroupTable: Sendable where Key: Sendable, Value: Sendable {}

/// One round of a multiply-xorshift mixer (the finaliser of SplitMix64).
@inline(__always)
func mixBits(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9e37_79b9_7f4a_7c15
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
}

extension Endpoint: GroupKey {
    var mixedHash: UInt64 { mixBits(foldedBits) }

    /// The endpoint's fields in one word, for a mixer: each field changes the word whatever the
    /// others are, and one round of `mixBits` then spreads it (two rounds per endpoint, and five
    /// per CLOSE_WAIT key, were a percent of the analysis of a capture of short connections).
    @inline(__always)
    var foldedBits: UInt64 {
        address.high &* 0x9e37_79b9_7f4a_7c15 ^ address.low ^ UInt64(address.family.rawValue) << 56
            ^ UInt64(port) << 40
    }
}
