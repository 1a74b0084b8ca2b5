import Testing

@testable import TCPDoctorCore

struct WatchTableTests {
    static func socket(_ state: TCPState, local: UInt16, inode: UInt64) -> SocketRecord {
        SocketRecord(
            state: state,
            local: Endpoint(address: IPAddress("10.0.0.5")!, port: local),
            remote: Endpoint(address: IPAddress("10.0.0.9")!, port: 40000),
            inode: inode,
            netns: 1
        )
    }

    /// pid 100 (`app`) holds `closeWait` CLOSE_WAIT and one ESTABLISHED socket; pid 200
    /// (`db`) holds `established` ESTABLISHED sockets; one TIME_WAIT has no owner.
    static func snapshot(closeWait: Int, established: Int, takenAt: Double = 0) -> Snapshot {
        var sockets: [SocketRecord] = []
        var owners: [UInt64: [SocketOwner]] = [:]
        var inode: UInt64 = 10
        for _ in 0..<closeWait {
            inode += 1
            sockets.append(socket(.closeWait, local: 8000, inode: inode))
            owners[inode] = [SocketOwner(pid: 100, fd: Int32(inode))]
        }
        inode += 1
        sockets.append(socket(.established, local: 8000, inode: inode))
        owners[inode] = [SocketOwner(pid: 100, fd: Int32(inode))]
        for _ in 0..<established {
            inode += 1
            sockets.append(socket(.established, local: 5432, inode: inode))
            owners[inode] = [SocketOwner(pid: 200, fd: Int32(inode))]
        }
        sockets.append(socket(.timeWait, local: 8000, inode: 0))
        return Snapshot(
            takenAt: takenAt,
            sockets: sockets,
            namespaces: [NetworkNamespace(inode: 1, isHost: true)],
            owners: SocketOwnerTable(owners),
            processes: [
                100: TCPProcess(pid: 100, command: "app", openFiles: 900, fileLimitSoft: 1000),
                200: TCPProcess(pid: 200, command: "db", openFiles: 50, fileLimitSoft: nil),
            ],
            coverage: Coverage(ownersScanned: true)
        )
    }

    static func table(
        _ snapshot: Snapshot,
        by grouping: StateHistogram.Grouping = .process,
        sort: WatchTable.Column = .total,
        previous: WatchCounts? = nil,
        start: WatchCounts? = nil
    ) -> WatchTable {
        let histogram = StateHistogram(sockets: snapshot.sockets, in: snapshot, groupedBy: grouping)
        return WatchTable(
            histogram: histogram,
            snapshot: snapshot,
            grouping: grouping,
            sort: sort,
            previous: previous,
            start: start
        )
    }

    @Test func rowsCarryTheHistogramsCountsAndTotals() throws {
        let table = Self.table(Self.snapshot(closeWait: 3, established: 5))
        #expect(table.total == 10)
        #expect(table.counts[.closeWait] == 3)
        #expect(table.counts[.established] == 6)
        #expect(table.states == [.established, .timeWait, .closeWait], "only states that occur, netstat's order")
        #expect(table.rows.map(\.group.label) == ["db (pid 200)", "app (pid 100)", "(no process: kernel-owned)"])
        let app = try #require(table.rows.first { $0.group.pid == 100 })
        #expect(app.group.counts == [.closeWait: 3, .established: 1])
        #expect(app.sinceLast == nil, "the first frame has no previous one")
        #expect(app.sinceStart == 0)
        #expect(table.totalSinceLast == nil)
        #expect(table.totalSinceStart == 0)
    }

    @Test func changesSinceLastAndSinceStartPerGroup() throws {
        let first = Self.table(Self.snapshot(closeWait: 2, established: 5, takenAt: 100))
        let second = Self.table(
            Self.snapshot(closeWait: 5, established: 4, takenAt: 102),
            previous: first.remembered,
            start: first.remembered
        )
        let third = Self.table(
            Self.snapshot(closeWait: 9, established: 4, takenAt: 104),
            previous: second.remembered,
            start: first.remembered
        )
        let app = try #require(third.rows.first { $0.group.pid == 100 })
        #expect(app.sinceLast == 4)
        #expect(app.sinceStart == 7)
        let db = try #require(third.rows.first { $0.group.pid == 200 })
        #expect(db.sinceLast == 0)
        #expect(db.sinceStart == -1)
        #expect(third.totalSinceLast == 4)
        #expect(third.totalSinceStart == 6)
        #expect(third.startedAt == 100)
        #expect(third.takenAt == 104)
    }

    @Test func aGroupAbsentBeforeCountsFromZero() throws {
        let empty = Snapshot(takenAt: 0, sockets: [], coverage: Coverage(ownersScanned: true))
        let first = Self.table(empty)
        #expect(first.rows.isEmpty)
        let second = Self.table(
            Self.snapshot(closeWait: 2, established: 0),
            previous: first.remembered,
            start: first.remembered
        )
        let app = try #require(second.rows.first { $0.group.pid == 100 })
        #expect(app.sinceLast == 3)
        #expect(app.sinceStart == 3)
    }

    @Test func aReusedPIDIsAnotherGroup() throws {
        var before = Self.snapshot(closeWait: 4, established: 0)
        before.processes[100]?.startTime = 1000
        var after = Self.snapshot(closeWait: 1, established: 0)
        after.processes[100]?.startTime = 2000
        let first = Self.table(before)
        let second = Self.table(after, previous: first.remembered, start: first.remembered)
        let app = try #require(second.rows.first { $0.group.pid == 100 })
        #expect(app.sinceLast == 2, "a new process of pid 100 starts from 0, not from the old one's 5")
        #expect(app.key != first.rows.first { $0.group.pid == 100 }?.key)
        let same = Self.table(before, previous: first.remembered, start: first.remembered)
        #expect(same.rows.first { $0.group.pid == 100 }?.sinceLast == 0)
    }

    @Test func fdUseForProcessesAndTheWorstRatio() throws {
        let table = Self.table(Self.snapshot(closeWait: 1, established: 1))
        let app = try #require(table.rows.first { $0.group.pid == 100 })
        #expect(app.fds == WatchTable.FDUse(pid: 100, open: 900, softLimit: 1000))
        #expect(app.fds?.ratio == 0.9)
        let db = try #require(table.rows.first { $0.group.pid == 200 })
        #expect(db.fds?.ratio == nil, "no ratio against an unlimited or unread limit")
        #expect(table.worstFDUse?.pid == 100)
        #expect(table.rows.first { $0.group.pid == nil }?.fds == nil)

        let ports = Self.table(Self.snapshot(closeWait: 1, established: 1), by: .localPort)
        #expect(ports.rows.allSatisfy { $0.fds == nil })
        #expect(ports.worstFDUse == nil)
        #expect(!ports.columns.contains(.fdUse))
    }

    @Test(arguments: [
        (WatchTable.Column.group, ["(no process: kernel-owned)", "app (pid 100)", "db (pid 200)"]),
        (.state(.closeWait), ["app (pid 100)", "(no process: kernel-owned)", "db (pid 200)"]),
        (.state(.established), ["db (pid 200)", "app (pid 100)", "(no process: kernel-owned)"]),
        (.total, ["app (pid 100)", "db (pid 200)", "(no process: kernel-owned)"]),
        (.fdUse, ["app (pid 100)", "(no process: kernel-owned)", "db (pid 200)"]),
        (.state(.synSent), ["(no process: kernel-owned)", "app (pid 100)", "db (pid 200)"]),
    ])
    func sortsByEveryColumn(column: WatchTable.Column, labels: [String]) {
        let table = Self.table(Self.snapshot(closeWait: 4, established: 2), sort: column)
        #expect(table.rows.map(\.group.label) == labels)
        #expect(table.sort == column)
    }

    @Test func sortsByChangesWithTheFirstFrameLowest() {
        let first = Self.table(Self.snapshot(closeWait: 1, established: 6))
        let unchanged = Self.table(Self.snapshot(closeWait: 1, established: 6), sort: .sinceLast)
        #expect(unchanged.rows.map(\.group.label) == ["(no process: kernel-owned)", "app (pid 100)", "db (pid 200)"])
        let second = Self.table(
            Self.snapshot(closeWait: 8, established: 2),
            sort: .sinceLast,
            previous: first.remembered,
            start: first.remembered
        )
        #expect(second.rows.map(\.group.label) == ["app (pid 100)", "(no process: kernel-owned)", "db (pid 200)"])
        #expect(second.rows.map(\.sinceLast) == [7, 0, -4])
    }

    @Test func sortColumnsStepAndWrap() {
        let table = Self.table(Self.snapshot(closeWait: 1, established: 1))
        #expect(
            table.columns == [
                .group, .state(.established), .state(.timeWait), .state(.closeWait), .total, .sinceLast, .sinceStart,
                .fdUse,
            ]
        )
        #expect(table.column(after: .total, steps: 1) == .sinceLast)
        #expect(table.column(after: .total, steps: -1) == .state(.closeWait))
        #expect(table.column(after: .fdUse, steps: 1) == .group)
        #expect(table.column(after: .group, steps: -1) == .fdUse)
        #expect(
            table.column(after: .state(.listen), steps: 1) == .sinceLast,
            "a column no longer shown steps from Total"
        )
    }

    @Test func columnNamesAreDistinct() {
        let columns = Self.table(Self.snapshot(closeWait: 1, established: 1)).columns
        #expect(Set(columns.map(\.name)).count == columns.count)
        #expect(WatchTable.Column.state(.closeWait).name == "close-wait")
        #expect(WatchTable.Column.state(.closeWait).title == "CLOSE_WAIT")
    }
}
