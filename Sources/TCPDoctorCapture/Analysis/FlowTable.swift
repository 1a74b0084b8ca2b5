import CPrefetch

/// An open-addressing index from `FlowKey` to a slot number, sized to the connections open at once.
///
/// Linear probing over one array of 64-bit words: each word holds the 32 low bits of the key's hash
/// and the slot number plus one (0 marks an empty word). Keys themselves live in the analyzer's
/// connection slab, so the index costs 8 bytes per word and stays at most a quarter full: 32 to 64
/// bytes per open connection, for runs of linear probing short enough that most lookups read one
/// word (half full, the analysis of a capture of short connections took 1% more instructions).
/// Removal shifts the following run back instead of leaving tombstones, so lookups never slow down
/// as connections come and go.
struct FlowTable {
    private var words: [UInt64]
    private var mask: Int
    private(set) var count = 0
    let seed: UInt64

    init(minimumCapacity: Int = 1024, seed: UInt64) {
        var capacity = 16
        while capacity < minimumCapacity * 4 { capacity <<= 1 }
        self.words = [UInt64](repeating: 0, count: capacity)
        self.mask = capacity - 1
        self.seed = seed
    }

    /// The slot of the entry whose hash is `hash` and whose key `matches` accepts, if any.
    @inline(__always)
    func find(hash: UInt64, matches: (Int) -> Bool) -> Int? {
        let tag = hash & 0xffff_ffff
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = words[index]
            if word == 0 { return nil }
            if word >> 32 == tag {
                let slot = Int(truncatingIfNeeded: word & 0xffff_ffff) - 1
                if matches(slot) { return slot }
            }
            index = (index + 1) & mask
        }
    }

    /// Asks the cache for the word where the probe for `hash` starts, without waiting for it.
    @inline(__always)
    func prefetch(hash: UInt64) {
        words.withUnsafeBufferPointer { words in
            if let base = words.baseAddress { cpf_prefetch(base + (Int(truncatingIfNeeded: hash) & mask)) }
        }
    }

    /// Adds `slot` under `hash`; the caller has checked that the key is not present.
    mutating func insert(hash: UInt64, slot: Int) {
        if (count + 1) * 4 > words.count { grow() }
        place(word: (hash & 0xffff_ffff) << 32 | UInt64(slot + 1))
        count += 1
    }

    /// Removes the entry for `slot` stored under `hash`.
    mutating func remove(hash: UInt64, slot: Int) {
        let wanted = (hash & 0xffff_ffff) << 32 | UInt64(slot + 1)
        var index = Int(truncatingIfNeeded: hash) & mask
        while words[index] != wanted {
            if words[index] == 0 { return }
            index = (index + 1) & mask
        }
        // Backward-shift deletion: move later members of the run into the hole when their home
        // position is at or before the hole (cyclically), so no probe sequence is broken.
        var hole = index
        var next = (hole + 1) & mask
        while words[next] != 0 {
            let home = Int(truncatingIfNeeded: words[next] >> 32) & mask
            if (next - home) & mask >= (next - hole) & mask {
                words[hole] = words[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        words[hole] = 0
        count -= 1
    }

    /// Bytes of the index array.
    var reservedBytes: Int { words.capacity * MemoryLayout<UInt64>.stride }

    mutating func removeAll() {
        for index in words.indices { words[index] = 0 }
        count = 0
    }

    private mutating func place(word: UInt64) {
        var index = Int(truncatingIfNeeded: word >> 32) & mask
        while words[index] != 0 { index = (index + 1) & mask }
        words[index] = word
    }

    private mutating func grow() {
        let old = words
        words = [UInt64](repeating: 0, count: old.count * 2)
        mask = words.count - 1
        for word in old where word != 0 { place(word: word) }
    }
}
