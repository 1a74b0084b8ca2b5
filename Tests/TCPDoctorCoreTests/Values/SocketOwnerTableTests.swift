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
