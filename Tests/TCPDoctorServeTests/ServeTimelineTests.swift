import Foundation
import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorOutput
import Testing

@testable import TCPDoctorServe

/// The timeline's ring, its points (grouped and folded as the metrics are) and its document.
struct ServeTimelineTests {
    static let closeWait = TCPState.displayed.firstIndex(of: .closeWait) ?? -1
    static let listen = TCPState.displayed.firstIndex(of: .listen) ?? -1

    static func point(at time: Double) -> ServeTimeline.Point {
        ServeTimeline.Point(time: time, ok: true, states: [], groups: [], other: nil, otherGroups: 0)
    }

    @Test func theRingKeepsTheLastPointsOldestFirst() {
        var timeline = ServeTimeline(capacity: 4, groupsPerPoint: 2)
        for second in 1...3 { timeline.append(Self.point(at: Double(second))) }
        #expect(timeline.points.map(\.time) == [1, 2, 3])
        for second in 4...10 { timeline.append(Self.point(at: Double(second))) }
        #expect(timeline.points.map(\.time) == [7, 8, 9, 10])
        #expect(timeline.points(after: 8).map(\.time) == [9, 10])
        #expect(timeline.points(after: 10).isEmpty)
    }

    @Test func aPointKeepsTheTopGroupsAndSumsTheRestIntoOther() throws {
        // cmd0 ... cmd5 hold 1 ... 6 CLOSE_WAIT sockets; one LISTEN socket without an owner.
        let snapshot = SnapshotMetricsTests.snapshot(processes: 6)
        let point = ServeTimeline.point(snapshot, groupsPerPoint: 2, pidLabels: false)
        #expect(point.ok)
        #expect(point.time == 1_800_000_000)
        #expect(point.states.count == TCPState.displayed.count)
        #expect(point.states[Self.closeWait] == 21)
        #expect(point.states[Self.listen] == 1)
        #expect(point.total == 22)
        #expect(point.groups.map(\.command) == ["cmd5", "cmd4"])
        #expect(point.groups.map(\.pid) == [nil, nil])
        let first = try #require(point.groups.first)
        #expect(first.states[Self.closeWait] == 6)
        #expect(first.total == 6)
        #expect(first.openFDs == 60)
        #expect(first.fdSoftLimit == 1024)
        let other = try #require(point.other)
        #expect(point.otherGroups == 4)
        #expect(other.processes == 4)
        #expect(other.total == 1 + 2 + 3 + 4)
        #expect(other.states[Self.closeWait] == 10)
        #expect(other.openFDs == 10 + 20 + 30 + 40)
    }

    @Test func pidLabelsGroupPerProcess() {
        let point = ServeTimeline.point(SnapshotMetricsTests.snapshot(processes: 3), groupsPerPoint: 5, pidLabels: true)
        #expect(point.groups.map(\.pid) == [102, 101, 100])
        #expect(point.other == nil)
        #expect(point.otherGroups == 0)
    }

    @Test func theDocumentListsStatesOnceAndCountsAsArrays() throws {
        var timeline = ServeTimeline(capacity: 10, groupsPerPoint: 1)
        timeline.append(
            ServeTimeline.point(SnapshotMetricsTests.snapshot(processes: 2), groupsPerPoint: 1, pidLabels: false)
        )
        timeline.append(ServeTimeline.failure(at: 1_800_000_005.123456))
        var json = JSONWriter(OutputBuffer.collecting())
        ServeTimeline.writeJSON(
            timeline.points,
            capacity: 10,
            groupsPerPoint: 1,
            minimumInterval: 5,
            pidLabels: false,
            to: &json
        )
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(json.out.takeCollected())) as? [String: Any]
        )
        #expect(document["states"] as? [String] == TCPState.displayed.map(\.netstatName))
        #expect(document["capacity"] as? Int == 10)
        #expect(document["grouping"] as? String == "command")
        let points = try #require(document["points"] as? [[String: Any]])
        #expect(points.count == 2)
        let good = points[0]
        #expect(good["ok"] as? Bool == true)
        #expect(good["total"] as? Int == 4)
        #expect((good["states"] as? [Int])?[Self.closeWait] == 3)
        let groups = try #require(good["groups"] as? [[String: Any]])
        #expect(groups.count == 1)
        #expect(groups.first?["command"] as? String == "cmd1")
        #expect(groups.first?["pid"] is NSNull)
        #expect(groups.first?["fd_soft_limit"] as? Int == 1024)
        let other = try #require(good["other"] as? [String: Any])
        #expect(other["groups"] as? Int == 1)
        #expect(other["total"] as? Int == 1)
        let failed = points[1]
        #expect(failed["ok"] as? Bool == false)
        #expect(failed["states"] is NSNull)
        #expect(failed["other"] is NSNull)
        // Times to the millisecond, as written: `since` of the last point excludes it.
        #expect(failed["time"] as? Double == 1_800_000_005.123)
        #expect(timeline.points(after: 1_800_000_005.123).isEmpty)
    }

    /// Every refresh adds one point, failed ones too (a gap with no counts), at most `capacity`.
    @Test func theCacheAddsAPointPerRefreshFailuresToo() async {
        let cache = SnapshotCache(minimumInterval: 0, limits: MetricLimits(), timeline: ServeTimeline(capacity: 3)) {
            .failure(LinuxError(.procfsUnreadable, "a test's failure"))
        }
        let before = Date().timeIntervalSince1970
        for _ in 0..<5 { _ = await cache.current() }
        let timeline = cache.timeline()
        #expect(timeline.capacity == 3)
        #expect(timeline.points.count == 3)
        #expect(timeline.points.allSatisfy { !$0.ok && $0.states.isEmpty && $0.groups.isEmpty })
        #expect(timeline.points.allSatisfy { $0.time >= before - 1 && $0.time <= Date().timeIntervalSince1970 + 1 })
        #expect(cache.statistics.snapshots == 5)
    }

    /// A snapshot is held for its period only: then dropped (an idle serve holds no sockets), and
    /// the next request takes a new one. Nothing here depends on how fast the pool runs the test:
    /// the period is the one thing timed, and the test waits for the drop with a deadline.
    @Test func aSnapshotIsDroppedWhenItsPeriodIsOver() async throws {
        let cache = SnapshotCache(minimumInterval: 0.5, limits: MetricLimits()) {
            .failure(LinuxError(.procfsUnreadable, "a test's failure"))
        }
        _ = await cache.current()
        #expect(cache.statistics.snapshots == 1)
        let deadline = Date().addingTimeInterval(60)
        while cache.isHoldingSnapshot && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!cache.isHoldingSnapshot, "still held 60 s after a 0.5 s period")
        _ = await cache.current()
        #expect(cache.statistics.snapshots == 2)
    }
}
