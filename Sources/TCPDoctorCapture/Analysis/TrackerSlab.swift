/// The records of open connections, in fixed pages of 1024 so that growing never copies them.
///
/// One contiguous array would double its capacity as connections pile up: a copy of every record
/// at each doubling, and up to half the capacity unused afterwards. Pages keep the unused part
/// under one page and leave records where they are; a slot number is page * 1024 + offset.
struct TrackerSlab {
    private static let pageShift = 10
    private static let pageSize = 1 << pageShift
    private var pages: [ContiguousArray<ConnectionTracker>] = []
    /// Slots handed out so far (live or free).
    private(set) var count = 0

    subscript(slot: Int) -> ConnectionTracker {
        get { pages[slot >> Self.pageShift][slot & (Self.pageSize - 1)] }
        _modify { yield &pages[slot >> Self.pageShift][slot & (Self.pageSize - 1)] }
    }

    /// Adds a record in a new slot and returns the slot.
    mutating func append(_ tracker: ConnectionTracker) -> Int {
        if count & (Self.pageSize - 1) == 0 {
            var page = ContiguousArray<ConnectionTracker>()
            page.reserveCapacity(Self.pageSize)
            pages.append(page)
        }
        pages[pages.count - 1].append(tracker)
        count += 1
        return count - 1
    }

    /// Bytes reserved for records: whole pages, used or not.
    var reservedBytes: Int { pages.count * Self.pageSize * MemoryLayout<ConnectionTracker>.stride }

    mutating func removeAll() {
        pages.removeAll()
        count = 0
    }

    /// The key of the record in `slot`, read in place.
    @inline(__always)
    func key(at slot: Int) -> FlowKey { pages[slot >> Self.pageShift][slot & (Self.pageSize - 1)].key }
}
