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
        for index in 0..<2500 { #expect(slab.append(tracker(port: UInt16(1000 + index))) == index) }
        #expect(slab.count == 2500)
        #expect(slab.reservedBytes == 3 * 1024 * MemoryLayout<ConnectionTracker>.stride)
        #expect(slab.key(at: 2499) == tracker(port: 3499).key)
        slab[1500].generation = 7
        #expect(slab[1500].generation == 7)
        #expect(slab[1499].generation == 1)
    }

    @Test func copiesDoNotShareRecords() {
        var original = TrackerSlab()
        for index in 0..<1100 { _ = original.append(tracker(port: UInt16(1000 + index))) }
        var copy = original
        copy[1050].generation = 9
        _ = copy.append(tracker(port: 9))
        #expect(original[1050].generation == 1)
        #expect(original.count == 1100)
        #expect(copy[1050].generation == 9)
        #expect(copy.count == 1101)
        original[3].lastTime = 42
        #expect(copy[3].lastTime == 1)
    }
}
