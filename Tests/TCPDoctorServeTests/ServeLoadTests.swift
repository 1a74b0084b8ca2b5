import Foundation
import Synchronization
import TCPDoctorServe
import TCPDoctorTestSupport
import Testing

/// serve under load (issue 15, item 6), bounded in count and time and on loopback only: 50
/// scrapers, each asking for /metrics every 100 ms for 60 s (at most 600 scrapes each), against
/// a cache period of one second. Not one error, and exactly one snapshot per cache period: every
/// snapshot taken is one some scrape was served, and no two began within one period.
@Suite struct ServeLoadTests {
    static let scrapers = 50
    static let seconds = 60.0
    static let period = 1.0

    struct Tally {
        var scrapes = 0
        var errors: [String] = []
        /// `tcpdoctor_snapshot_timestamp_seconds` of each answer: which snapshot it was served.
        var snapshots: Set<Double> = []
    }

    @Test func fiftyScrapersForAMinuteGetNoErrorAndOneSnapshotPerPeriod() async throws {
        try await withLiveServer(minimumInterval: Self.period) { port, cache in
            let collector = Collector()
            let started = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.scrapers {
                    group.addTask {
                        try await offPool {
                            let end = started.addingTimeInterval(Self.seconds)
                            for _ in 0..<Int(Self.seconds * 10) where Date() < end {
                                let outcome = Result { try HTTPExchange.send("GET", "/metrics", port: port) }
                                collector.tally.withLock { tally in
                                    tally.scrapes += 1
                                    switch outcome {
                                    case .failure(let error): tally.errors.append("\(error)")
                                    case .success(let response):
                                        guard response.status == 200,
                                            response.body.contains("\ntcpdoctor_snapshot_success 1\n"),
                                            let time = Self.timestamp(response.body)
                                        else {
                                            tally.errors.append("\(response.status): \(response.body.prefix(200))")
                                            return
                                        }
                                        tally.snapshots.insert(time)
                                    }
                                }
                                usleep(100_000)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = Date().timeIntervalSince(started)
            let result = collector.tally.withLock { $0 }
            #expect(result.errors.isEmpty, "\(result.errors.count) errors, first: \(result.errors.prefix(3))")
            // Every scraper was answered, more than once: a debug build on two cores busy with the
            // whole suite answers far slower than one scrape each per 100 ms, and the count is not
            // a speed test (BENCHMARKS.md times a release build).
            #expect(result.scrapes >= Self.scrapers * 2, "only \(result.scrapes) scrapes")
            let statistics = cache.statistics
            #expect(statistics.scrapes == result.scrapes)
            #expect(statistics.scrapeErrors == 0)
            // One snapshot per period: each taken was served, and none began within another's period.
            #expect(
                statistics.snapshots == result.snapshots.count,
                "\(statistics.snapshots) taken, \(result.snapshots.count) served"
            )
            let times = result.snapshots.sorted()
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            #expect(
                gaps.allSatisfy { $0 >= Self.period * 0.95 },
                "snapshots closer than a period: \(gaps.filter { $0 < Self.period })"
            )
            #expect(Double(statistics.snapshots) <= elapsed / Self.period + 1)
            #expect(statistics.snapshots >= 10)
        }
    }

    final class Collector: Sendable {
        let tally = Mutex(Tally())
    }

    static func timestamp(_ body: String) -> Double? {
        guard let line = body.range(of: "\ntcpdoctor_snapshot_timestamp_seconds ") else { return nil }
        return Double(body[line.upperBound...].prefix { $0 != "\n" })
    }
}
