import Testing

@testable import TCPDoctorCore

struct WatchHistoryTests {
    static func frame(
        _ history: inout WatchHistory,
        closeWait: Int,
        at time: Double,
        by grouping: StateHistogram.Grouping = .process,
        filter: String = ""
    ) -> WatchTable {
        let snapshot = WatchTableTests.snapshot(closeWait: closeWait, established: 1, takenAt: time)
        let histogram = StateHistogram(sockets: snapshot.sockets, in: snapshot, groupedBy: grouping)
        return history.frame(histogram, in: snapshot, grouping: grouping, filter: filter, sort: .total)
    }

    @Test func remembersTheFirstAndThePreviousFrame() throws {
        var history = WatchHistory(grouping: .process)
        let first = Self.frame(&history, closeWait: 1, at: 10)
        #expect(first.totalSinceLast == nil)
        _ = Self.frame(&history, closeWait: 4, at: 12)
        let third = Self.frame(&history, closeWait: 6, at: 14)
        #expect(third.totalSinceLast == 2)
        #expect(third.totalSinceStart == 5)
        #expect(third.startedAt == 10)
        #expect(history.start?.takenAt == 10)
        #expect(history.previous?.takenAt == 14)
        #expect(try #require(third.rows.first { $0.group.pid == 100 }).sinceStart == 5)
    }

    @Test func aNewGroupingOrFilterStartsANewView() {
        var history = WatchHistory(grouping: .process)
        _ = Self.frame(&history, closeWait: 1, at: 10)
        _ = Self.frame(&history, closeWait: 3, at: 12)
        let regrouped = Self.frame(&history, closeWait: 5, at: 14, by: .localPort)
        #expect(regrouped.totalSinceLast == nil, "no counts of this grouping were taken before")
        #expect(regrouped.totalSinceStart == 0)
        #expect(regrouped.startedAt == 14)
        let next = Self.frame(&history, closeWait: 6, at: 16, by: .localPort)
        #expect(next.totalSinceLast == 1)
        #expect(next.rows.first { $0.group.port == 8000 }?.sinceLast == 1)
        let refiltered = Self.frame(&history, closeWait: 6, at: 18, by: .localPort, filter: "state close-wait")
        #expect(refiltered.startedAt == 18)
        #expect(history.filter == "state close-wait")
        #expect(history.grouping == .localPort)
    }
}
