import TCPDoctorCore

/// The transitions of both endpoints of one open connection, stored inline.
///
/// A connection normally makes about eleven transitions in all (six for the active closer, five
/// for the passive one), so a fixed inline buffer avoids one heap allocation per connection and
/// bounds its memory. When it is full, the newest entry of the same side replaces that side's
/// previous last entry and the loss is counted, so the final state stays right.
struct TimelineBuffer {
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

    static let capacity = 16

    private var entries = InlineArray<16, Entry>(
        repeating: Entry(timestamp: 0, packetNumber: 0, from: .closed, to: .closed, event: .close, flags: 0)
    )
    private(set) var count: UInt8 = 0
    /// Entries dropped for lack of room, per side.
    private(set) var omittedOriginator: UInt8 = 0
    private(set) var omittedResponder: UInt8 = 0

    subscript(index: Int) -> Entry { entries[index] }

    mutating func append(_ entry: Entry) {
        if Int(count) < Self.capacity {
            entries[Int(count)] = entry
            count += 1
            return
        }
        guard let last = lastIndex(responder: entry.isResponder) else { return }
        var replaced = entry
        replaced.from = entries[last].from
        remove(at: last)
        entries[Int(count)] = replaced
        count += 1
        if entry.isResponder {
            omittedResponder &+= 1
        } else {
            omittedOriginator &+= 1
        }
    }

    func lastIndex(responder: Bool) -> Int? {
        var index = Int(count) - 1
        while index >= 0 {
            if entries[index].isResponder == responder { return index }
            index -= 1
        }
        return nil
    }

    mutating func remove(at index: Int) {
        var i = index
        while i + 1 < Int(count) {
            entries[i] = entries[i + 1]
            i += 1
        }
        count -= 1
    }

    /// The entries of one side, in order, as public values.
    func transitions(responder: Bool) -> [TimelineTransition] {
        // Through a span: subscripting the inline array here copied all of it for every entry.
        let entries = self.entries.span
        var result: [TimelineTransition] = []
        var sideCount = 0
        for index in 0..<Int(count) where entries[index].isResponder == responder { sideCount += 1 }
        // One allocation of the right size rather than the doublings of appending.
        result.reserveCapacity(sideCount)
        for index in 0..<Int(count) where entries[index].isResponder == responder {
            let entry = entries[index]
            result.append(
                TimelineTransition(
                    from: entry.from,
                    to: entry.to,
                    event: entry.event,
                    timestampNanoseconds: entry.timestamp,
                    packetNumber: entry.packetNumber == 0 ? nil : entry.packetNumber,
                    inferred: entry.isInferred
                )
            )
        }
        return result
    }
}
