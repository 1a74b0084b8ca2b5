import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// The slab's raw pages keep value semantics: a copied analyzer does not share records.
struct TrackerSlabTests {
    private func tracker(port: UInt16) -> ConnectionTracker {
        let segment = TCPSegment(
            timestampNanoseconds: 1,
            packetNumber: 1,
            source: Endpoint(address: IPAddress(ipv4: 0x0a00_0001), port: port),
            destination: Endpoint(address: IPAddress(ipv4: 0x0a00_0002), port: 80),
            sequence: 1,
            acknowledgment: 0,
            flags: .syn,
            window: 0,
            payloadLength: 0
        )
        let (key, sourceIsA) = FlowKey.make(source: segment.source, destination: segment.destination)
        return ConnectionTracker(key: key, hash: 0, generation: 1, first: segment, sourceIsA: sourceIsA)
    }

    @Test func recordsSpanPagesAndStayInPlace() {
        var slab = TrackerSlab()
        let count = 2 * TrackerSlab.pageSize + 10
        var slots: [Int] = []
        for index in 0..<count {
            let slot = slab.append(tracker(port: UInt16(1000 + index)))
            #expect(slot == slab.slot(ofRecord: index))
            slots.append(slot)
        }
        #expect(Set(slots).count == count)
        #expect(slab.count == count)
        #expect(slab.reservedBytes == 3 * 2 * 1024 * 1024)
        #expect(TrackerSlab.pageSize * MemoryLayout<ConnectionTracker>.stride <= 2 * 1024 * 1024)
        for index in [0, TrackerSlab.pageSize - 1, TrackerSlab.pageSize, count - 1] {
            #expect(slab.key(at: slots[index]) == tracker(port: UInt16(1000 + index)).key)
        }
        slab[slots[TrackerSlab.pageSize]].generation = 7
        #expect(slab[slots[TrackerSlab.pageSize]].generation == 7)
        #expect(slab[slots[TrackerSlab.pageSize - 1]].generation == 1)
        #expect(slab[slots[TrackerSlab.pageSize + 1]].generation == 1)
    }

    /// A slot keeps a record's offset in its page in `offsetBits` bits: the real record must be
    /// large enough (512 bytes or more) that a page's records fit them. `allocatePage` checks the
    /// same at run time; this says so before any capture is read.
    @Test func aPageOfRealRecordsFitsTheOffsetBits() {
        #expect(TrackerSlab.pageSize <= 1 << TrackerSlab.offsetBits)
        #expect(MemoryLayout<ConnectionTracker>.stride >= 512)
    }

    @Test func copiesDoNotShareRecords() {
        var original = TrackerSlab()
        let count = TrackerSlab.pageSize + 100
        for index in 0..<count { _ = original.append(tracker(port: UInt16(1000 + index))) }
        let late = original.slot(ofRecord: count - 50)
        var copy = original
        copy[late].generation = 9
        _ = copy.append(tracker(port: 9))
        #expect(original[late].generation == 1)
        #expect(original.count == count)
        #expect(copy[late].generation == 9)
        #expect(copy.count == count + 1)
        original[3].lastTime = 42
        #expect(copy[3].lastTime == 1)
    }
}
