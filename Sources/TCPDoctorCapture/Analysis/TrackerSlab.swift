import CPrefetch
import Glibc

/// The records of open connections, in fixed pages of 2 MiB so that growing never copies them.
///
/// One contiguous array would double its capacity as connections pile up: a copy of every record
/// at each doubling, and up to half the capacity unused afterwards. Pages keep the unused part
/// under one page and leave records where they are. A slot number is the page number shifted left
/// by 12 bits, or'ed with the record's offset in its page: addressing a record takes a shift and a
/// mask, where the page's record count, not a power of two, would take a division.
///
/// A page is one transparent huge page where the kernel offers them for `madvise`
/// (`/sys/kernel/mm/transparent_hugepage/enabled`): filling 2 MiB of fresh records with 4 KiB pages
/// took 512 page faults, which were a few percent of the analysis of a capture of many short
/// connections.
///
/// The pages are raw allocations addressed in place (`unsafeAddress`): reading one field of a
/// record through an array subscript copied the whole record (about 900 bytes) first, several
/// times per packet. Value semantics are kept by copy-on-write, as `Array` does: the pages belong
/// to one `Owner`, and a write to a slab whose owner is shared copies the pages first.
struct TrackerSlab: @unchecked Sendable {  // Pages are only written when `owner` is unique (copy-on-write).
    private static var pageBytes: Int { 2 << 20 }
    /// Records per page: computed from constants, so the divisions by it become multiplications.
    static var pageSize: Int { pageBytes / MemoryLayout<ConnectionTracker>.stride }
    /// Bits of a slot number that hold the offset in the page; room for records of 512 bytes or more.
    ///
    /// The invariant `pageSize <= 1 << offsetBits` (a record of at least 512 bytes) is checked when
    /// a page is allocated, in every build; `TrackerSlabTests` checks it for the real record too.
    static var offsetBits: Int { 12 }
    private static var offsetMask: Int { (1 << offsetBits) - 1 }

    /// Owns the pages and frees them; `ConnectionTracker` holds no references, so no deinitialization.
    private final class Owner {
        var pages: [UnsafeMutablePointer<ConnectionTracker>] = []

        deinit { for page in pages { UnsafeMutableRawPointer(page).deallocate() } }
    }

    private var owner = Owner()
    /// The owner's page list, kept beside it so that reads need no class access.
    private var pages: [UnsafeMutablePointer<ConnectionTracker>] = []
    /// Records handed out so far (live or free).
    private(set) var count = 0

    subscript(slot: Int) -> ConnectionTracker {
        @inline(__always)
        unsafeAddress { UnsafePointer(address(of: slot)) }
        @inline(__always)
        unsafeMutableAddress {
            makeUnique()
            return address(of: slot)
        }
    }

    /// Where the record of `slot` lives. Debug builds check that the slot was handed out; release
    /// builds rely on the page index's own bounds check and on slots coming only from `append`.
    @inline(__always)
    private func address(of slot: Int) -> UnsafeMutablePointer<ConnectionTracker> {
        assert(slot >= 0 && slot & Self.offsetMask < Self.pageSize, "slot \(slot) is not a record's")
        assert(
            (slot >> Self.offsetBits) * Self.pageSize + slot & Self.offsetMask < count,
            "slot \(slot) was never handed out"
        )
        return pages[slot >> Self.offsetBits] + slot & Self.offsetMask
    }

    /// Asks the cache for every line of the record in `slot`, without waiting for it.
    @inline(__always)
    func prefetch(slot: Int) {
        let base = UnsafeRawPointer(address(of: slot))
        var offset = 0
        while offset < MemoryLayout<ConnectionTracker>.size {
            cpf_prefetch(base + offset)
            offset += 64
        }
    }

    /// The record in `slot`, to be overwritten with a new connection's tracker in place:
    /// `pointer.initialize(to: ConnectionTracker(...))` builds it there, where `slab[slot] = ...`
    /// built it aside and copied its 832 bytes in (1% of the instructions of the analysis of a
    /// capture of short connections). Valid until the slab is next changed otherwise.
    @inline(__always)
    mutating func record(toReuse slot: Int) -> UnsafeMutablePointer<ConnectionTracker> {
        makeUnique()
        return address(of: slot)
    }

    /// The slot of the `index`-th record appended.
    func slot(ofRecord index: Int) -> Int {
        (index / Self.pageSize) << Self.offsetBits | index % Self.pageSize
    }

    /// Adds a record in a new slot and returns the slot.
    mutating func append(_ tracker: ConnectionTracker) -> Int {
        makeUnique()
        let offset = count % Self.pageSize
        if offset == 0 {
            let page = Self.allocatePage()
            owner.pages.append(page)
            pages.append(page)
        }
        (pages[pages.count - 1] + offset).initialize(to: tracker)
        count += 1
        return (pages.count - 1) << Self.offsetBits | offset
    }

    /// A page aligned to its size, which is also a cache line, so that a record whose size is a
    /// multiple of 64 starts on a line and its first line holds what every packet reads (see
    /// `ConnectionTracker`), and the page can be one huge page. Memory is touched only as records
    /// are written, a huge page at a time where advised.
    private static func allocatePage() -> UnsafeMutablePointer<ConnectionTracker> {
        precondition(
            pageSize <= 1 << offsetBits,
            "a \(MemoryLayout<ConnectionTracker>.stride)-byte record leaves too few offset bits in a slot"
        )
        let raw = UnsafeMutableRawPointer.allocate(byteCount: pageBytes, alignment: pageBytes)
        // Advice only: where huge pages are off, the page fills 4 KiB at a time as before.
        _ = madvise(raw, pageBytes, MADV_HUGEPAGE)
        return raw.bindMemory(to: ConnectionTracker.self, capacity: pageSize)
    }

    /// Bytes reserved for records: whole pages, used or not.
    var reservedBytes: Int { pages.count * Self.pageBytes }

    mutating func removeAll() {
        owner = Owner()
        pages = []
        count = 0
    }

    /// The key of the record in `slot`, read in place.
    @inline(__always)
    func key(at slot: Int) -> FlowKey { self[slot].key }

    /// Gives this slab pages of its own if another copy shares them.
    @inline(__always)
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&owner) { copyPages() }
    }

    private mutating func copyPages() {
        let copy = Owner()
        for (index, page) in pages.enumerated() {
            let fresh = Self.allocatePage()
            let used = min(Self.pageSize, count - index * Self.pageSize)
            fresh.initialize(from: page, count: used)
            copy.pages.append(fresh)
        }
        owner = copy
        pages = copy.pages
    }
}
