import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorHistory
import Testing

/// `record` on real leaks (issue 14, item 7): the `emfile` lab paced at a known rate, recorded
/// every second. The forecast made from the first part of the recording must name the moment the
/// server's fd table really fills within 20%; the fixed variant must show no growth.
@Suite(.serialized) struct RecordLeakTests {
    static let limit = 200
    static let rate = 5.0

    @Test func theEMFILEForecastComesTrueWithin20Percent() throws {
        let (database, directory, server) = try recordedLab(fixed: false, connections: Self.limit, rate: Self.rate) {
            points in
            // Until the server's fds reached the soft limit (the EMFILE moment), with a deadline
            // of four times the time the pace needs.
            points.last.map { $0.fds ?? 0 >= Int64(Self.limit) } == true
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fds = try serverFDs(in: database, pid: server)
        let full = try #require(fds.first { $0.value >= Double(Self.limit) }, "the fds never reached \(Self.limit)")
        let start = try #require(fds.first).time
        // The forecast as `history` would have made it at 40% of the way to the limit.
        let madeAt = start + 0.4 * (full.time - start)
        let known = fds.filter { $0.time <= madeAt }
        #expect(known.count >= 6, "\(known.count) samples before the forecast")
        let trend = TrendAnalysis.trend(of: TimeSeries(known), limit: Double(Self.limit))
        #expect(trend.kind == .growing)
        let forecast = try #require(trend.forecast, "no forecast: \(String(describing: trend.noForecastReason))")
        let actual = full.time - madeAt
        let predicted = forecast.at - madeAt
        #expect(abs(predicted - actual) <= 0.2 * actual, "forecast \(predicted) s ahead, EMFILE came \(actual) s after")
        // The fit's rate is the lab's pace: one fd per connection.
        let rate = try #require(trend.ratePerMinute) / 60
        #expect(abs(rate - Self.rate) <= 0.2 * Self.rate, "fitted \(rate) fds/s at a pace of \(Self.rate)/s")
    }

    @Test func theFixedServerShowsNoGrowth() throws {
        let connections = 150
        var seen = 0
        let (database, directory, server) = try recordedLab(fixed: true, connections: connections, rate: 10) {
            points in
            // The fixed run takes (connections + 16) / rate seconds; record a little longer.
            seen = points.count
            return seen >= Int(Double(connections + 16) / 10) + 3
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fds = try serverFDs(in: database, pid: server)
        #expect(fds.count >= 6)
        let trend = TrendAnalysis.trend(of: TimeSeries(fds), limit: Double(connections))
        #expect(trend.kind == .steady, "kind \(trend.kind), rate \(String(describing: trend.ratePerMinute))/min")
        #expect(trend.forecast == nil)
        let closeWait = try serverPoints(in: database, pid: server).map { $0.counts[.closeWait] }
        #expect(closeWait.max() ?? 0 <= 2, "CLOSE_WAIT counts \(closeWait)")
    }
}

/// Runs `record --interval 1` and the emfile lab beside it until `done` says so (given the
/// server's points so far), then stops both; returns the database, its directory and the
/// server's pid.
private func recordedLab(
    fixed: Bool,
    connections: Int,
    rate: Double,
    until done: ([HistoryPoint]) -> Bool
) throws -> (database: String, directory: String, server: Int32) {
    let directory = NSTemporaryDirectory() + "tcpdoctor-leak-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let database = directory + "/history.sqlite"
    let recorder = try BackgroundTCPDoctor(["record", "--db", database, "--interval", "1"])
    var arguments = ["lab", "run", "emfile", "--connections", "\(connections)", "--rate", "\(rate)"]
    if fixed { arguments.append("--fixed") }
    let lab = try BackgroundTCPDoctor(arguments)
    defer {
        lab.send(SIGTERM)
        _ = try? lab.ending(within: 20)
    }
    let deadline = Date().addingTimeInterval(4 * Double(connections + 16) / rate + 30)
    var server: Int32?
    while true {
        if server == nil { server = try? labServer(in: database, labPID: lab.pid) }
        let points = server.flatMap { try? serverPoints(in: database, pid: $0) } ?? []
        if !points.isEmpty, done(points) { break }
        guard Date() < deadline else {
            throw RunError(
                "the lab's server was not recorded as expected; lab: \(lab.stderr) record: \(recorder.stderr)"
            )
        }
        usleep(200_000)
    }
    recorder.send(SIGTERM)
    #expect(try recorder.ending(within: 20) == .exited(0), "record: \(recorder.stderr)")
    return (database, directory, try #require(server))
}

/// The recorded pid of the lab's server: a `lab-srv-emfile` that is a child of the lab run
/// `labPID`, so that another test's lab is never counted.
private func labServer(in database: String, labPID: Int32) throws -> Int32? {
    let series = try HistoryStore(path: database).series(since: 0, until: .infinity) { group in
        group.process.map { $0.command == "lab-srv-emfile" && parent(of: $0.pid) == labPID } ?? false
    }
    return series.first?.group.process?.pid
}

/// The points of the server's group at its listening port (the one that holds its leak).
private func serverPoints(in database: String, pid: Int32) throws -> [HistoryPoint] {
    let series = try HistoryStore(path: database).series(since: 0, until: .infinity) { $0.process?.pid == pid }
    return series.max { $0.points.count < $1.points.count }?.points ?? []
}

private func serverFDs(in database: String, pid: Int32) throws -> [TimePoint] {
    try serverPoints(in: database, pid: pid).compactMap { point in
        point.fds.map { TimePoint(time: point.time, value: Double($0)) }
    }
}
