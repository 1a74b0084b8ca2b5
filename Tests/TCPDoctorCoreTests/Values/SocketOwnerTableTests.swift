import Testing

@testable import TCPDoctorCore

struct SocketOwnerTableTests {
    @Test func looksUpAndConvertsBothWays() {
        let owners: [UInt64: [SocketOwner]] = [
            7: [.init(pid: 20, fd: 3), .init(pid: 10, fd: 9), .init(pid: 10, fd: 4)],
            3: [.init(pid: 1, fd: 1)],
            UInt64.max: [.init(pid: Int32.max, fd: Int32.max)],
        ]
        let table = SocketOwnerTable(owners)
        #expect(table.socketCount == 3)
        #expect(table.inodes == [3, 7, 7, 7, UInt64.max])
        #expect(Array(table.owners(of: 7)) == [.init(pid: 10, fd: 4), .init(pid: 10, fd: 9), .init(pid: 20, fd: 3)])
        #expect(table.owners(of: 5).isEmpty)
        #expect(table.owners(of: 8).isEmpty)
        #expect(table.contains(UInt64.max) && table.contains(3) && !table.contains(0))
        #expect(table.dictionary() == owners.mapValues { $0.sorted() })
        var visited: [UInt64] = []
        table.forEachSocket { inode, holders in
            visited.append(inode)
            #expect(!holders.isEmpty)
        }
        #expect(visited == [3, 7, UInt64.max])
    }

    @Test func emptyTable() {
        let table = SocketOwnerTable()
        #expect(table.isEmpty && table.socketCount == 0 && table.owners(of: 1).isEmpty && table.dictionary().isEmpty)
    }
}

struct SocketOwnerTableFilterTests {
    @Test func dropsRejectedHoldersAndEmptySockets() {
        let table = SocketOwnerTable([
            7: [SocketOwner(pid: 10, fd: 4), SocketOwner(pid: 11, fd: 4)],
            9: [SocketOwner(pid: 11, fd: 5)],
        ])
        let kept = table.filter { $0.pid != 11 }
        #expect(Array(kept.owners(of: 7)) == [SocketOwner(pid: 10, fd: 4)])
        #expect(!kept.contains(9))
        #expect(kept.socketCount == 1)
    }
}

struct SocketOwnerTableLookupTests {
    /// Lookups through the inode buckets agree with a plain search, on spreads that fill some
    /// buckets and leave others empty: a dense run, clusters with gaps, far outliers, duplicates.
    @Test(arguments: [0, 1, 2, 3])
    func bucketedLookupsAgreeWithASearch(spread: Int) {
        var random = SystemRandomNumberGenerator()
        var owners: [UInt64: [SocketOwner]] = [:]
        for index in 0..<5_000 {
            let inode: UInt64 =
                switch spread {
                case 0: 1_000 + UInt64(index)
                case 1: UInt64(index % 7) * 1_000_000 + UInt64.random(in: 0..<500, using: &random)
                case 2: index < 4_990 ? 50_000 + UInt64(index) : UInt64.max - UInt64(index)
                default: UInt64.random(in: 1...UInt64.max, using: &random)
                }
            owners[inode, default: []].append(SocketOwner(pid: Int32(index % 50), fd: Int32(index)))
        }
        let table = SocketOwnerTable(owners)
        let keys = owners.keys.sorted()
        var probes = keys + keys.map { $0 &+ 1 } + keys.map { $0 &- 1 } + [0, 1, UInt64.max]
        probes += (0..<2_000).map { _ in UInt64.random(in: 0...UInt64.max, using: &random) }
        let wrong = probes.filter { inode in
            let expected = (owners[inode] ?? []).sorted()
            return Array(table.owners(of: inode)) != expected || table.contains(inode) == expected.isEmpty
        }
        #expect(wrong.isEmpty, "first wrong inodes: \(wrong.prefix(5))")
        #expect(table.socketCount == keys.count)
    }
}
