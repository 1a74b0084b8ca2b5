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

    /// An empty table.
    public init() {
        self.inodes = []
        self.holders = []
        self.socketCount = 0
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
        var low = 0
        var high = inodes.count
        while low < high {
            let middle = low + (high - low) / 2
            if inodes[middle] < inode { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
