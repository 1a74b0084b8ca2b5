import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

struct FlowTableTests {
    /// Keys that all share one home bucket exercise probing and backward-shift deletion.
    @Test func collidingEntriesSurviveRemovals() {
        var table = FlowTable(minimumCapacity: 8, seed: 0)
        var keys: [Int: UInt64] = [:]
        for slot in 0..<40 {
            // Same low bits (home bucket), different tags.
            let hash = UInt64(slot) << 40 | 0x0000_0001_0000_0003 &+ UInt64(slot % 3) << 32
            keys[slot] = hash
            table.insert(hash: hash, slot: slot)
        }
        #expect(table.count == 40)
        for slot in stride(from: 0, to: 40, by: 3) { table.remove(hash: keys[slot]!, slot: slot) }
        for slot in 0..<40 {
            let found = table.find(hash: keys[slot]!) { $0 == slot }
            #expect(found == (slot % 3 == 0 ? nil : slot))
        }
        #expect(table.count == 40 - 14)
    }

    @Test func keyIsTheSameForBothDirections() {
        let a = Endpoint(address: IPAddress("10.0.0.5")!, port: 40_000)
        let b = Endpoint(address: IPAddress("10.0.0.9")!, port: 80)
        let forward = FlowKey.make(source: a, destination: b)
        let backward = FlowKey.make(source: b, destination: a)
        #expect(forward.key == backward.key)
        #expect(forward.sourceIsA != backward.sourceIsA)
        #expect(forward.key.hash(seed: 9) == backward.key.hash(seed: 9))
        #expect(forward.key.endpointA == a)
        #expect(forward.key.endpointB == b)
        let v6 = Endpoint(address: IPAddress("2001:db8::5")!, port: 40_000)
        let v6Key = FlowKey.make(source: v6, destination: Endpoint(address: IPAddress("2001:db8::9")!, port: 80)).key
        #expect(v6Key.endpointA == v6)
        #expect(v6Key != forward.key)
    }
}
