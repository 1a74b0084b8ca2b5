import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// serve under load (issue 15, item 6), bounded in count and time and on loopback only: 50
/// scrapers, each asking for /metrics once a second for 60 s (as fifty Prometheus servers would), against
/// a cache period of one second. Not one error, and exactly one snapshot per cache period: every
/// snapshot taken is one some scrape was served, and no two began within one period.
///
/// serve runs as its own process (the built binary), so that its event loops and pool are not
/// slowed by other tests blocking this process's pool; it reads a namespace of the test's own,
/// so that a snapshot costs the same whatever other tests open meanwhile.
@Suite(.enabled(if: TestNamespace.isAvailable, "needs root and iproute2 for a network namespace"))
struct ServeLoadTests {
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
        let namespace = try TestNamespace()
        let (serve, port) = try ServeCommandTests.start(["--min-interval", "\(Self.period)", "--netns", namespace.name])
        defer {
            serve.send(SIGTERM)
            _ = try? serve.ending(within: 20)
            withExtendedLifetime(namespace) {}
        }
        do {
            // The scrapers are threads of a Python process of their own: fifty connections a second
            // in this process could meet another test's fd bugs (a number closed twice), and
            // tasks on this process's busy pool could start after the minute is over.
            let run = try runProgram(
                "/usr/bin/python3",
                ["-c", Self.scrapers(count: Self.scrapers, seconds: Self.seconds), "\(port)"],
                timeout: .seconds(300)
            )
            #expect(run.status == 0, "the scrapers: \(run.stderr)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                "the scrapers printed \(run.stdout)"
            )
            let result = Tally(
                scrapes: document["scrapes"] as? Int ?? 0,
                errors: document["errors"] as? [String] ?? ["no report"],
                snapshots: Set(document["stamps"] as? [Double] ?? [])
            )
            let elapsed = document["elapsed"] as? Double ?? .infinity
            #expect(result.errors.isEmpty, "\(result.errors.count) errors, first: \(result.errors.prefix(3))")
            // Every scraper was answered, more than once; the count is not a speed test (a debug
            // build on two cores busy with the whole suite; BENCHMARKS.md times a release build).
            #expect(result.scrapes >= Self.scrapers * 2, "only \(result.scrapes) scrapes")
            // serve's own count, from one more scrape: it may take one more snapshot, which it serves.
            let last = try await offPool { try HTTPExchange.send("GET", "/metrics", port: port) }
            var served = result.snapshots
            if let time = Self.timestamp(last.body) { served.insert(time) }
            let snapshots = Int(Self.value("tcpdoctor_snapshots_total", last.body) ?? -1)
            #expect(Self.value("tcpdoctor_scrapes_total", last.body) == Double(result.scrapes + 1))
            #expect(Self.value("tcpdoctor_scrape_errors_total", last.body) == 0)
            // One snapshot per period: each taken was served, and none began within another's period.
            #expect(snapshots == served.count, "\(snapshots) taken, \(served.count) served")
            let times = served.sorted()
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            #expect(
                gaps.allSatisfy { $0 >= Self.period * 0.95 },
                "snapshots closer than a period: \(gaps.filter { $0 < Self.period })"
            )
            #expect(Double(snapshots) <= elapsed / Self.period + 2)
            #expect(snapshots >= 10)
        }
    }

    /// A Python program: `count` threads that each GET /metrics of the port in argv[1] once a
    /// second for `seconds`, and a JSON report of the scrapes, the errors and the snapshot
    /// timestamps served.
    static func scrapers(count: Int, seconds: Double) -> String {
        """
        import http.client, json, sys, threading, time
        port = int(sys.argv[1]); lock = threading.Lock()
        report = {"scrapes": 0, "errors": [], "stamps": set()}
        def scrape(end):
            while time.time() < end:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    connection.request("GET", "/metrics")
                    response = connection.getresponse(); body = response.read().decode(); connection.close()
                    stamp = next((float(line.split()[1]) for line in body.split("\\n")
                                  if line.startswith("tcpdoctor_snapshot_timestamp_seconds ")), None)
                    problem = None if response.status == 200 and "\\ntcpdoctor_snapshot_success 1\\n" in body \\
                        and stamp is not None else "%d: %s" % (response.status, body[:200])
                except Exception as error:
                    stamp, problem = None, repr(error)
                with lock:
                    report["scrapes"] += 1
                    if problem: report["errors"].append(problem)
                    else: report["stamps"].add(stamp)
                time.sleep(1)
        start = time.time()
        threads = [threading.Thread(target=scrape, args=(start + \(seconds),)) for _ in range(\(count))]
        for thread in threads: thread.start()
        for thread in threads: thread.join()
        print(json.dumps({"scrapes": report["scrapes"], "errors": report["errors"],
                          "stamps": sorted(report["stamps"]), "elapsed": time.time() - start}))
        """
    }

    static func timestamp(_ body: String) -> Double? { value("tcpdoctor_snapshot_timestamp_seconds", body) }

    /// The value of an unlabelled sample in a text exposition.
    static func value(_ name: String, _ body: String) -> Double? {
        guard let line = body.range(of: "\n\(name) ") else { return nil }
        return Double(body[line.upperBound...].prefix { $0 != "\n" })
    }
}
