import TCPDoctorCore

/// The transitions of both endpoints of one open connection, stored inline.
///
/// A connection normally makes about eleven transitions in all (six for the active closer, five
/// for the passive one), so a fixed inline buffer avoids one heap allocation per connection and
/// bounds its memory. When it is full, the newest entry of a side replaces that side's previous
/// last entry (or, for a side with none yet, the other side's oldest makes room) and the loss is
/// counted, so both final states stay right.
///
/// The fields are kept in three arrays rather than one array of entries: an entry is 20 bytes
/// that pad to 24, and the padding of sixteen entries was 64 bytes of every open connection.
struct TimelineBuffer: Sendable {
    struct Entry {
        var timestamp: Int64
        /// 0 when no packet caused the entry (a timer); packet numbers start at 1.
        var packetNumber: UInt64
        var from: TCPState
        var to: TCPState
        var event: TCPEvent
        /// Bit 0: the responder's entry; bit 1: inferred.
        var flags: UInt8

        var isResponder: Bool { flags & 1 != 0 }
        var isInferred: Bool { flags & 2 != 0 }
    }

    /// An entry without its timestamp and packet number.
    private struct Step {
        var from: TCPState
        var to: TCPState
        var event: TCPEvent
        var flags: UInt8
    }

    static let capacity = 16

    private(set) var count: UInt8 = 0
    /// Entries dropped for lack of room, per side (saturating).
    private(set) var omittedOriginator: UInt8 = 0
    private(set) var omittedResponder: UInt8 = 0
    private var steps = InlineArray<16, Step>(repeating: Step(from: .closed, to: .closed, event: .close, flags: 0))
    private var timestamps = InlineArray<16, Int64>(repeating: 0)
    private var packetNumbers = InlineArray<16, UInt64>(repeating: 0)

    subscript(index: Int) -> Entry {
        let step = steps[index]
        return Entry(
            timestamp: timestamps[index],
            packetNumber: packetNumbers[index],
            from: step.from,
            to: step.to,
            event: step.event,
            flags: step.flags
        )
    }

    /// Adds `entry`: in the free room if there is some (inlined, as nearly every append is), else
    /// in place of an older entry (see the type's description).
    @inline(__always)
    mutating func append(_ entry: Entry) {
        if Int(count) < Self.capacity {
            set(Int(count), entry)
            count += 1
            return
        }
        appendToFullBuffer(entry)
    }

    @inline(never)
    private mutating func appendToFullBuffer(_ entry: Entry) {
        guard let last = lastIndex(responder: entry.isResponder) else {
            // The other side filled the buffer: its oldest step makes room (never its last, which
            // is its final state), so that this side's final state is kept too.
            let other = !entry.isResponder
            guard let oldest = firstIndex(responder: other), oldest != lastIndex(responder: other) else { return }
            remove(at: oldest)
            set(Int(count), entry)
            count += 1
            countOmitted(1, responder: other)
            return
        }
        var replaced = entry
        replaced.from = steps[last].from
        remove(at: last)
        set(Int(count), replaced)
        count += 1
        countOmitted(1, responder: entry.isResponder)
    }

    /// Adds `count` to the entries dropped on one side, stopping at 255.
    mutating func countOmitted(_ count: Int, responder: Bool) {
        if responder {
            omittedResponder = UInt8(min(255, Int(omittedResponder) + count))
        } else {
            omittedOriginator = UInt8(min(255, Int(omittedOriginator) + count))
        }
    }

    private mutating func set(_ index: Int, _ entry: Entry) {
        steps[index] = Step(from: entry.from, to: entry.to, event: entry.event, flags: entry.flags)
        timestamps[index] = entry.timestamp
        packetNumbers[index] = entry.packetNumber
    }

    func firstIndex(responder: Bool) -> Int? {
        for index in 0..<Int(count) where (steps[index].flags & 1 != 0) == responder { return index }
        return nil
    }

    func lastIndex(responder: Bool) -> Int? {
        var index = Int(count) - 1
        while index >= 0 {
            if (steps[index].flags & 1 != 0) == responder { return index }
            index -= 1
        }
        return nil
    }

    mutating func remove(at index: Int) {
        var i = index
        while i + 1 < Int(count) {
            steps[i] = steps[i + 1]
            timestamps[i] = timestamps[i + 1]
            packetNumbers[i] = packetNumbers[i + 1]
            i += 1
        }
        count -= 1
    }

    /// How many entries belong to one side.
    func count(responder: Bool) -> Int {
        let steps = self.steps.span
        let side: UInt8 = responder ? 1 : 0
        var sideCount = 0
        for index in 0..<Int(count) where steps[index].flags & 1 == side { sideCount += 1 }
        return sideCount
    }

    /// The entries of one side, in order, as public values.
    func transitions(responder: Bool) -> [TimelineTransition] {
        // Through spans: subscripting the inline arrays here copied all of them for every entry.
        let steps = self.steps.span
        let timestamps = self.timestamps.span
        let packetNumbers = self.packetNumbers.span
        let side: UInt8 = responder ? 1 : 0
        var result: [TimelineTransition] = []
        // One allocation of the right size rather than the doublings of appending.
        result.reserveCapacity(count(responder: responder))
        for index in 0..<Int(count) where steps[index].flags & 1 == side {
            let step = steps[index]
            let packet = packetNumbers[index]
            result.append(
                TimelineTransition(
                    from: step.from,
                    to: step.to,
                    event: step.event,
                    timestampNanoseconds: timestamps[index],
                    packetNumber: packet == 0 ? nil : packet,
                    inferred: step.flags & 2 != 0
                )
            )
        }
        return result
    }
}

extension TimelineBuffer: Hashable {
    /// Equal when each side kept the same entries in the same order and omitted as many: how the
    /// two sides' entries interleave, and the unused room, do not count.
    static func == (lhs: TimelineBuffer, rhs: TimelineBuffer) -> Bool {
        lhs.omittedOriginator == rhs.omittedOriginator && lhs.omittedResponder == rhs.omittedResponder
            && lhs.transitions(responder: false) == rhs.transitions(responder: false)
            && lhs.transitions(responder: true) == rhs.transitions(responder: true)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(omittedOriginator)
        hasher.combine(omittedResponder)
        hasher.combine(transitions(responder: false))
        hasher.combine(transitions(responder: true))
    }
}
