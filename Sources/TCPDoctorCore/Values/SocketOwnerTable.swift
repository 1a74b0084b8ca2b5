/// Every (pid, fd) holder of every socket inode, in two flat arrays sorted by inode.
///
/// The fd walk finds ~170k socket fds on a busy host. A `[UInt64: [SocketOwner]]` costs one heap
/// array per socket; two parallel sorted arrays cost two allocations in all, look up by binary
/// search, and hand out holders as slices. `Snapshot.owners` is one of these.
public struct SocketOwnerTable: Sendable, Hashable {
    /// Socket inodes, ascending, repeated once per holder.
    public let inodes: [UInt64]
    /// The holder of the socket at the same index of `inodes`; sorted by (pid, fd) per inode.
    public let holders: [SocketOwner]
    /// How many distinct socket inodes there are.
    public let socketCount: Int
    /// Where lookups start: `InodeBuckets`, derived from `inodes` (not part of equality).
    private let buckets: InodeBuckets

    /// An empty table.
    public init() {
        self.inodes = []
        self.holders = []
        self.socketCount = 0
        self.buckets = InodeBuckets([])
    }

    public static func == (left: SocketOwnerTable, right: SocketOwnerTable) -> Bool {
        left.inodes == right.inodes && left.holders == right.holders
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(inodes)
        hasher.combine(holders)
    }

    /// A table from owners by inode, as `Snapshot.owners` holds them.
    public init(_ owners: [UInt64: [SocketOwner]]) {
        var keys: [UInt128] = []
        keys.reserveCapacity(owners.values.reduce(0) { $0 + $1.count })
        for (inode, list) in owners {
            for owner in list { keys.append(Self.key(inode: inode, pid: owner.pid, fd: owner.fd)) }
        }
        self.init(unsortedKeys: &keys)
    }

    /// A table from packed (inode, pid, fd) keys; sorts them in place.
    public init(unsortedKeys keys: inout [UInt128]) {
        keys.sort()
        var inodes: [UInt64] = []
        var holders: [SocketOwner] = []
        inodes.reserveCapacity(keys.count)
        holders.reserveCapacity(keys.count)
        var distinct = 0
        var previous: UInt64?
        for key in keys {
            let inode = UInt64(truncatingIfNeeded: key >> 64)
            let pid = Int32(bitPattern: UInt32(truncatingIfNeeded: key >> 32))
            let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: key))
            if inode != previous { distinct += 1 }
            previous = inode
            inodes.append(inode)
            holders.append(SocketOwner(pid: pid, fd: fd))
        }
        self.inodes = inodes
        self.holders = holders
        self.socketCount = distinct
        self.buckets = InodeBuckets(inodes)
    }

    /// Packs a holder so that integer order is (inode, pid, fd) order; pids and fds are never
    /// negative, so their bit patterns sort as the numbers do.
    @inlinable
    public static func key(inode: UInt64, pid: Int32, fd: Int32) -> UInt128 {
        UInt128(inode) << 64 | UInt128(UInt32(bitPattern: pid)) << 32 | UInt128(UInt32(bitPattern: fd))
    }

    public var isEmpty: Bool { inodes.isEmpty }

    /// The holders of `inode`, sorted by (pid, fd); empty when no process holds it.
    public func owners(of inode: UInt64) -> ArraySlice<SocketOwner> {
        let start = lowerBound(inode)
        var end = start
        while end < inodes.count && inodes[end] == inode { end += 1 }
        return holders[start..<end]
    }

    /// Whether any process holds `inode`.
    public func contains(_ inode: UInt64) -> Bool {
        let index = lowerBound(inode)
        return index < inodes.count && inodes[index] == inode
    }

    /// Calls `body` once per distinct inode, ascending, with its holders.
    public func forEachSocket<E: Error>(
        _ body: (_ inode: UInt64, _ owners: ArraySlice<SocketOwner>) throws(E) -> Void
    ) throws(E) {
        var start = 0
        while start < inodes.count {
            let inode = inodes[start]
            var end = start + 1
            while end < inodes.count && inodes[end] == inode { end += 1 }
            try body(inode, holders[start..<end])
            start = end
        }
    }

    /// The table without the holders `keep` rejects, such as processes that exited during the scan.
    public func filter(_ keep: (SocketOwner) -> Bool) -> SocketOwnerTable {
        var keys: [UInt128] = []
        keys.reserveCapacity(holders.count)
        for (inode, holder) in zip(inodes, holders) where keep(holder) {
            keys.append(Self.key(inode: inode, pid: holder.pid, fd: holder.fd))
        }
        return SocketOwnerTable(unsortedKeys: &keys)
    }

    /// The table as a dictionary: one sorted array per inode (for tests and small tools).
    public func dictionary() -> [UInt64: [SocketOwner]] {
        var result: [UInt64: [SocketOwner]] = [:]
        result.reserveCapacity(socketCount)
        forEachSocket { inode, owners in result[inode] = Array(owners) }
        return result
    }

    private func lowerBound(_ inode: UInt64) -> Int {
        var (low, high) = buckets.range(of: inode, count: inodes.count)
        while low < high {
            let middle = low + (high - low) / 2
            if inodes[middle] < inode { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A radix index over sorted inodes, so that a lookup binary-searches a few entries instead of
/// all of them.
///
/// Socket inodes come from one counter, so a host's are spread fairly evenly over a range; the
/// range is cut into about `count / 2` buckets of a power-of-two width, and `starts[b]` is the
/// index of the first inode at or after bucket `b`. On 200k sockets this takes a lookup from 18
/// probes of a 3 MB array (most of them cache misses) to two or three. An uneven spread only
/// makes some buckets larger: lookups stay correct.
struct InodeBuckets: Sendable {
    private let base: UInt64
    private let shift: UInt64
    /// One entry per bucket and one past the last; empty for a small table (plain binary search).
    private let starts: [Int32]

    init(_ inodes: [UInt64]) {
        guard inodes.count >= 64, let first = inodes.first, let last = inodes.last, inodes.count < Int32.max else {
            (base, shift, starts) = (0, 0, [])
            return
        }
        let span = last - first
        let wanted = UInt64(inodes.count / 2)
        var shift: UInt64 = 0
        while shift < 63 && span >> shift >= wanted { shift += 1 }
        let count = Int(span >> shift) + 1
        var starts = [Int32](repeating: Int32(inodes.count), count: count + 1)
        var bucket = 0
        for (index, inode) in inodes.enumerated() {
            let own = Int((inode - first) >> shift)
            while bucket <= own {
                starts[bucket] = Int32(index)
                bucket += 1
            }
        }
        (base, self.shift, self.starts) = (first, shift, starts)
    }

    /// The part of the sorted array where `inode`'s lower bound lies.
    func range(of inode: UInt64, count: Int) -> (low: Int, high: Int) {
        guard !starts.isEmpty else { return (0, count) }
        guard inode >= base else { return (0, 0) }
        let bucket = (inode - base) >> shift
        guard bucket < UInt64(starts.count - 1) else { return (count, count) }
        return (Int(starts[Int(bucket)]), Int(starts[Int(bucket) + 1]))
    }
}
