import TCPDoctorCore

/// Rebuilds TCP connections from a stream of segments, one connection at a time, in bounded memory.
///
/// Feed segments in capture order with `process(_:)`; take finished connections with
/// `takeFinished()` or `drainFinished(_:)` often (after every segment or every few dozen: each call
/// to `process(_:)` hands out at most 64), or feed them with `process(_:finished:)`, which hands
/// each out as it is built, or read whole capture files with `read(file:onConnection:)`; call
/// `finish(atEndNanoseconds:)` once at the end for the connections still open. Memory is proportional to the connections open at once: each is a flat
/// record of under 1 KB (`ConnectionTracker`, no references) kept in pages of 2 MiB and indexed by
/// an open-addressing table keyed by the canonical 4-tuple. There is no allocation per packet and
/// none per connection while it is open; the `Connection` value is built when it is handed out.
///
/// A connection is handed out once it is over (both FINs, or a RST), or has heard nothing from one
/// side (an unanswered SYN, or a capture that sees one direction only), and no segment of it
/// arrived for `Configuration.linger` of capture time; the linger catches the last ACK,
/// retransmissions and late RSTs. Open connections are kept however long they stay silent: a
/// CLOSE_WAIT held for an hour is one idle record until the late FIN comes. A SYN without ACK on
/// the 4-tuple of a finished connection, or a SYN with a new initial sequence number where the
/// previous one was never answered, starts a new connection at once (port reuse); a SYN with the
/// same sequence number is a retransmission.
public struct ConnectionAnalyzer: Sendable {
    /// Settings of the analysis.
    public struct Configuration: Sendable, Hashable {
        /// How long a finished or unanswered connection waits for late segments before it is
        /// handed out. 60 s matches Linux's TIME_WAIT, the longest a correct peer lingers.
        public var linger: Duration
        /// The `tcp_fin_timeout` assumed for the hosts, used only to place the inferred expiry of an
        /// orphaned FIN_WAIT2 on a timeline when a late FIN meets RST.
        public var finTimeout: Duration
        /// Whether to rebuild Zeek's `conn_state` and `history` for each connection. Off, they are
        /// nil in every `Connection` and nothing else changes; each segment then skips Zeek's
        /// letters and endpoint states, about a fourteenth of the instructions of the analysis of
        /// a capture of short connections. For consumers that do not show them.
        public var zeekColumns: Bool

        public init(
            linger: Duration = .seconds(60),
            finTimeout: Duration = TCPStateMachine.defaultFinTimeout,
            zeekColumns: Bool = true
        ) {
            self.linger = linger
            self.finTimeout = finTimeout
            self.zeekColumns = zeekColumns
        }
    }

    public let configuration: Configuration
    private let lingerNanoseconds: Int64
    private let finTimeoutNanoseconds: Int64
    private let zeekColumns: Bool

    private var table: FlowTable
    private var slab = TrackerSlab()
    private var freeSlots: [Int32] = []
    private var expiry = ExpiryQueue()
    private var generation: UInt32 = 0
    /// The latest and the earliest timestamp so far: captures merged from several interfaces can be
    /// slightly out of order.
    private var clock: Int64 = .min
    private var earliest: Int64 = .max
    private var nextSweep: Int64 = .min
    private var finished: [Connection] = []

    /// Segments given to `process(_:)` so far.
    public private(set) var segmentsProcessed: UInt64 = 0
    /// Connections handed out so far (taken or still waiting in the finished list).
    public private(set) var connectionsFinished: UInt64 = 0
    /// The most connections open at once so far.
    public private(set) var peakOpenConnections = 0

    /// - Parameters:
    ///   - configuration: Linger and timer settings.
    ///   - hashSeed: Seeds the flow table's hash; pass a fixed value for reproducible layouts, or
    ///     leave the default random one so that crafted captures cannot aim at collisions.
    public init(configuration: Configuration = Configuration(), hashSeed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.configuration = configuration
        self.lingerNanoseconds = configuration.linger.nanoseconds
        self.finTimeoutNanoseconds = configuration.finTimeout.nanoseconds
        self.zeekColumns = configuration.zeekColumns
        self.table = FlowTable(seed: hashSeed)
    }

    /// The earliest and the latest timestamp of the segments processed so far, in nanoseconds since
    /// the Unix epoch; nil before the first.
    public var timestampRange: ClosedRange<Int64>? { earliest <= clock ? earliest...clock : nil }

    /// Connections currently open (being tracked).
    public var openConnections: Int { table.count }

    /// Bytes the analyzer holds for open connections: record pages, the flow index, the expiry
    /// queue and the free list (not the finished connections waiting to be taken).
    public var reservedBytes: Int {
        slab.reservedBytes + table.reservedBytes + expiry.reservedBytes + freeSlots.capacity
            * MemoryLayout<Int32>.stride
    }

    /// Applies one segment to its connection, creating or retiring connections as needed.
    public mutating func process(_ segment: TCPSegment) {
        // Moved out and back, not copied: the closure may not capture `self` while it is mutated.
        var list = finished
        finished = []
        process(segment) { list.append($0) }
        finished = list
    }

    /// Like `process(_:)`, but gives the connections that the segment finishes to `body` as soon
    /// as each is built, rather than keeping them for `takeFinished()`: a connection is a few
    /// hundred bytes with arrays in it, and the round trip through the list showed in profiles.
    /// Connections already waiting in the list stay there.
    public mutating func process(_ segment: TCPSegment, finished body: (Connection) -> Void) {
        segmentsProcessed &+= 1
        let time = segment.timestampNanoseconds
        if time > clock { clock = time }
        if time < earliest { earliest = time }
        if clock >= nextSweep { sweep(now: clock, body) }
        let (key, sourceIsA) = FlowKey.make(source: segment.source, destination: segment.destination)
        let hash = key.hash(seed: table.seed)
        let found = table.find(hash: hash) { slab.key(at: $0) == key }
        guard let slot = found else {
            open(segment, key: key, hash: hash, sourceIsA: sourceIsA)
            return
        }
        let fromOriginator = sourceIsA == slab[slot].originatorIsA
        if segment.flags.contains(.syn) && !segment.flags.contains(.ack)
            && slab[slot].startsNewConnection(fromOriginator: fromOriginator, sequence: segment.sequence)
        {
            body(retire(slot: slot, endNanoseconds: time))
            open(segment, key: key, hash: hash, sourceIsA: sourceIsA)
            return
        }
        slab[slot].process(
            segment,
            fromOriginator: fromOriginator,
            finTimeout: finTimeoutNanoseconds,
            zeek: zeekColumns
        )
        if !slab[slot].queued && slab[slot].isExpirable { enqueue(slot: slot) }
    }

    /// Hands out every connection still open, as seen at `endNanoseconds` (the end of the capture),
    /// in the order of their first packet, through `takeFinished()` or `drainFinished(_:)`; the
    /// analyzer is empty afterwards.
    public mutating func finish(atEndNanoseconds endNanoseconds: Int64) {
        for slot in liveSlotsInCaptureOrder() { finished.append(retire(slot: slot, endNanoseconds: endNanoseconds)) }
        clear()
    }

    /// Like `finish(atEndNanoseconds:)`, but gives each connection to `body` as soon as it is
    /// built, so that a capture ending with many open connections never holds them all at once.
    /// Connections already waiting to be taken are given first. If `body` throws, the connections
    /// not yet given stay in the analyzer.
    public mutating func finish(
        atEndNanoseconds endNanoseconds: Int64,
        _ body: (Connection) throws -> Void
    ) rethrows {
        try drainFinished(body)
        for slot in liveSlotsInCaptureOrder() { try body(retire(slot: slot, endNanoseconds: endNanoseconds)) }
        clear()
    }

    private func liveSlotsInCaptureOrder() -> [Int] {
        var live: [(first: UInt64, slot: Int)] = []
        for index in 0..<slab.count {
            let slot = slab.slot(ofRecord: index)
            if slab[slot].generation != 0 { live.append((slab[slot].firstPacket, slot)) }
        }
        live.sort { $0.first < $1.first }
        return live.map(\.slot)
    }

    private mutating func clear() {
        slab.removeAll()
        freeSlots.removeAll()
        expiry = ExpiryQueue()
        table.removeAll()
    }

    /// The connections finished since the last call, in the order they finished; the analyzer
    /// keeps nothing of them.
    public mutating func takeFinished() -> [Connection] {
        defer { finished = [] }
        return finished
    }

    /// Calls `body` with each connection finished since the last call, then forgets them all (also
    /// when `body` throws).
    public mutating func drainFinished(_ body: (Connection) throws -> Void) rethrows {
        defer { finished.removeAll(keepingCapacity: true) }
        for connection in finished { try body(connection) }
    }

    private mutating func open(_ segment: TCPSegment, key: FlowKey, hash: UInt64, sourceIsA: Bool) {
        generation = generation == .max ? 1 : generation + 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            slab.record(toReuse: slot).initialize(
                to: ConnectionTracker(
                    key: key,
                    hash: hash,
                    generation: generation,
                    first: segment,
                    sourceIsA: sourceIsA
                )
            )
        } else {
            slot = slab.append(
                ConnectionTracker(key: key, hash: hash, generation: generation, first: segment, sourceIsA: sourceIsA)
            )
        }
        table.insert(hash: hash, slot: slot)
        if table.count > peakOpenConnections { peakOpenConnections = table.count }
        slab[slot].process(
            segment,
            fromOriginator: slab[slot].originatorIsA == sourceIsA,
            finTimeout: finTimeoutNanoseconds,
            zeek: zeekColumns
        )
        if slab[slot].isExpirable { enqueue(slot: slot) }
    }

    @inline(__always)
    private mutating func retire(slot: Int, endNanoseconds: Int64) -> Connection {
        let connection = slab[slot].connection(endNanoseconds: endNanoseconds, zeek: zeekColumns)
        connectionsFinished &+= 1
        table.remove(hash: slab[slot].hash, slot: slot)
        slab[slot].generation = 0
        slab[slot].queued = false
        freeSlots.append(Int32(slot))
        return connection
    }

    private mutating func enqueue(slot: Int) {
        slab[slot].queued = true
        expiry.push(
            ExpiryQueue.Entry(
                slot: Int32(slot),
                generation: slab[slot].generation,
                deadline: slab[slot].lastTime &+ lingerNanoseconds
            )
        )
    }

    /// Hands out the queued connections whose linger ran out by `now`, at most `sweepBatch` per
    /// call so that a jump of the capture clock does not turn thousands of records into
    /// `Connection` values at once; the rest follow on the next segments.
    ///
    /// Entries are pushed in the order connections become expirable; a connection that saw more
    /// segments since goes to the back with its new deadline. The order is thus only nearly sorted,
    /// which can delay a connection by at most one linger: the bound on memory stays.
    private mutating func sweep(now: Int64, _ body: (Connection) -> Void) {
        var retired = 0
        while let entry = expiry.first, entry.deadline <= now {
            if retired == Self.sweepBatch {
                // More are due: look again on the next segment.
                nextSweep = now
                return
            }
            expiry.removeFirst()
            prefetchExpiring()
            let slot = Int(entry.slot)
            guard slab[slot].generation == entry.generation, slab[slot].queued else { continue }
            guard slab[slot].isExpirable else {
                slab[slot].queued = false
                continue
            }
            let deadline = slab[slot].lastTime &+ lingerNanoseconds
            if deadline > now {
                expiry.push(ExpiryQueue.Entry(slot: entry.slot, generation: entry.generation, deadline: deadline))
                continue
            }
            body(retire(slot: slot, endNanoseconds: now))
            retired += 1
        }
        nextSweep = now &+ 1_000_000_000
    }

    private static let sweepBatch = 64

    /// Asks the cache for what retiring the next queued connections will read.
    ///
    /// A connection is retired a linger after its last segment, long after its record and its
    /// flow-table word left the cache: in profiles, the first reads of each took most of the time
    /// of retiring. The queue says which come next, so their records are fetched
    /// `prefetchDistance` entries ahead, and the table words (whose hash is in the record, fetched
    /// by then) half as far ahead. A stale entry only wastes a hint.
    @inline(__always)
    private func prefetchExpiring() {
        if let far = expiry.entry(ahead: Self.prefetchDistance) { slab.prefetch(slot: Int(far.slot)) }
        if let near = expiry.entry(ahead: Self.prefetchDistance / 2) { table.prefetch(hash: slab[Int(near.slot)].hash) }
    }

    private static let prefetchDistance = 8
}

extension ConnectionTracker {
    /// Over as far as the analysis is concerned: both FINs, a RST, or a SYN with no answer yet.
    ///
    /// Inlined so that the analyzer reads the record in its page: a call copied the whole record.
    @inline(__always)
    var isExpirable: Bool {
        resetSeen || (sides[0].hasFIN && sides[1].hasFIN) || sides[1].packets == 0 || sides[0].packets == 0
    }

    /// Whether a SYN (without ACK) from the given side begins a new connection on this 4-tuple.
    @inline(__always)
    func startsNewConnection(fromOriginator: Bool, sequence: UInt32) -> Bool {
        if resetSeen || (sides[0].hasFIN && sides[1].hasFIN) { return true }
        // A new connect() after an unanswered one: a new initial sequence number, and no answer.
        return fromOriginator && sides[0].hasISN && sequence != sides[0].initialSequence && sides[1].packets == 0
    }
}

/// A first-in, first-out list of connections waiting for their linger to run out.
struct ExpiryQueue {
    struct Entry {
        var slot: Int32
        var generation: UInt32
        var deadline: Int64
    }

    private var entries: [Entry] = []
    private var head = 0

    var first: Entry? { head < entries.count ? entries[head] : nil }

    /// The entry `distance` places after the first, if there is one.
    func entry(ahead distance: Int) -> Entry? {
        head + distance < entries.count ? entries[head + distance] : nil
    }

    mutating func push(_ entry: Entry) { entries.append(entry) }

    var reservedBytes: Int { entries.capacity * MemoryLayout<Entry>.stride }

    mutating func removeFirst() {
        head += 1
        // Reclaim the consumed prefix once it is half of the storage.
        if head >= 1024 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}
