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

    /// The flows of a busy server (many clients, many ports, one service) spread over the buckets
    /// as random hashes would: about 39% of the buckets of a half-full table in use, short runs.
    @Test(arguments: [0, 12_345, 0xdead_beef_cafe_f00d] as [UInt64])
    func hashSpreadsAServersFlows(seed: UInt64) {
        let server = Endpoint(address: IPAddress("10.0.0.9")!, port: 443)
        let bucketBits = 17
        var load = [UInt8](repeating: 0, count: 1 << bucketBits)
        for client in 0..<4096 {
            for port in 0..<16 {
                let endpoint = Endpoint(
                    address: IPAddress(ipv4: 0x0a01_0000 | UInt32(client)),
                    port: UInt16(40_000 + port)
                )
                let hash = FlowKey.make(source: endpoint, destination: server).key.hash(seed: seed)
                load[Int(truncatingIfNeeded: hash) & ((1 << bucketBits) - 1)] += 1
            }
        }
        let used = load.filter { $0 > 0 }.count
        #expect(Double(used) / Double(load.count) > 0.37, "\(used) buckets used")
        #expect((load.max() ?? 0) <= 9)
    }

    @Test func hashDependsOnTheSeedAndEveryField() {
        let a = Endpoint(address: IPAddress("2001:db8::5")!, port: 40_000)
        let b = Endpoint(address: IPAddress("2001:db8::9")!, port: 80)
        let key = FlowKey.make(source: a, destination: b).key
        var variants = [key]
        variants[0].addressAHigh ^= 1
        variants.append(key)
        variants[1].addressBHigh ^= 1
        variants.append(key)
        variants[2].addressALow ^= 1
        variants.append(key)
        variants[3].addressBLow ^= 1
        variants.append(key)
        variants[4].ports ^= 1
        let hashes = Set([key.hash(seed: 1), key.hash(seed: 2)] + variants.map { $0.hash(seed: 1) })
        #expect(hashes.count == 7)
    }
}
