import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

struct GroupTableTests {
    /// A key whose hash collides with every other's, so that every lookup walks the probe run.
    struct Colliding: GroupKey {
        var value: Int
        var mixedHash: UInt64 { 7 }
    }

    @Test func valuesAreFoundAndKeptInInsertionOrder() {
        var table = GroupTable<Endpoint, Int>()
        let endpoints = (0..<1000).map {
            Endpoint(address: IPAddress(ipv4: 0x0a00_0000 + UInt32($0 % 250)), port: UInt16($0))
        }
        for (index, endpoint) in endpoints.enumerated() { table.update(endpoint, default: 0) { $0 += index } }
        for endpoint in endpoints.prefix(10) { table.update(endpoint, default: 0) { $0 += 1 } }
        #expect(table.count == 1000)
        #expect(table.keys == endpoints)
        #expect(table.values == (0..<1000).map { $0 < 10 ? $0 + 1 : $0 })
        #expect(table[Endpoint(address: .ipv4Any, port: 1)] == nil)
        #expect(table[endpoints[5]] == 6)
        #expect(table.count == 1000)
    }

    @Test func collidingKeysStayApart() {
        var table = GroupTable<Colliding, Int>()
        for round in 0..<3 {
            for value in 0..<100 { table.update(Colliding(value: value), default: 0) { $0 += value + round } }
        }
        #expect(table.count == 100)
        #expect(table.values == (0..<100).map { 3 * $0 + 3 })
    }

    @Test func ipv4AndIPv6KeysDiffer() {
        var table = GroupTable<Endpoint, Int>()
        table.update(Endpoint(address: IPAddress(ipv4: 1), port: 80), default: 0) { $0 += 1 }
        table.update(Endpoint(address: IPAddress(ipv6High: 0, low: 1), port: 80), default: 0) { $0 += 1 }
        #expect(table.count == 2)
    }
}
