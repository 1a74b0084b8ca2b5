import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// The shipped alert rules and dashboard end to end (issue 15, item 4): a real Prometheus scrapes
/// a real `tcpdoctor serve` every second while a lab leaks CLOSE_WAIT, evaluating
/// deploy/prometheus/tcpdoctor-rules.yml 60 times faster (minutes read as seconds: see the rule
/// file's header). The alert must go pending and then fire with the lab's process and port in its
/// labels; with `--fixed` nothing may fire. serve reads only the lab's namespace, so that what
/// other tests do on the host cannot fire (or hide) an alert here, and fits its fd forecasts over
/// 60 s instead of an hour, the same speed-up.
@Suite(
    .serialized,
    .enabled(if: TestNamespace.isAvailable, "needs root and iproute2 for a network namespace"),
    .enabled(if: PrometheusTools.enabled, "needs Debian's prometheus package (.ci/run installs it)")
)
struct PrometheusAlertTests {
    static let lab = "lab-srv-noread"

    // Minutes of polling: off the concurrency pool, which other tests' in-process servers need.
    @Test func aGrowingCloseWaitPileGoesPendingThenFiresAndTheDashboardsQueriesAnswer() async throws {
        try await offPool { try Self.leaking() }
    }

    @Test func theFixedServerFiresNothing() async throws {
        try await offPool { try Self.fixed() }
    }

    static func leaking() throws {
        try withScrapedLab(fixed: false) { prometheus, instance, netns in
            var states: [String] = []
            var fired: [String: String]?
            let end = Date().addingTimeInterval(150)
            while fired == nil, Date() < end {
                for alert in try prometheus.alerts()
                where alert.labels["alertname"] == "TCPDoctorCloseWaitGrowing" && alert.labels["instance"] == instance {
                    if states.last != alert.state { states.append(alert.state) }
                    if alert.state == "firing" { fired = alert.labels }
                }
                usleep(200_000)
            }
            let labels = try #require(fired, "no firing alert within 150 s; states seen \(states); \(prometheus.log)")
            #expect(states.first == "pending", "states seen: \(states)")
            #expect(labels["process"] == Self.lab)
            #expect(labels["severity"] == "warning")
            #expect(UInt16(labels["place"] ?? "") != nil, "the place is the server's port: \(labels)")
            #expect(labels["subject"] == "\(Self.lab)/\(labels["place"] ?? "")")

            try checkDashboard(prometheus, instance: instance, netns: netns)
        }
    }

    static func fixed() throws {
        try withScrapedLab(fixed: true) { prometheus, instance, _ in
            // Watched for as long as a leak needed to fire above, plus the lab's whole run.
            let end = Date().addingTimeInterval(Double(Self.connections) / Self.rate + 25)
            var scrapedTheLab = false
            while Date() < end {
                let ours = try prometheus.alerts().filter { $0.labels["instance"] == instance }
                #expect(ours.isEmpty, "alerts for the fixed lab: \(ours)")
                if !ours.isEmpty { return }
                if !scrapedTheLab {
                    scrapedTheLab =
                        !(try prometheus.query("tcpdoctor_process_open_fds{process=\"\(Self.lab)\"}").isEmpty)
                }
                usleep(500_000)
            }
            #expect(scrapedTheLab, "Prometheus never saw the lab's server: the silence proves nothing")
        }
    }

    static let connections = 100
    static let rate = 2.0
}

/// Runs the close-wait-noread lab (paced) in a namespace of the test's own, a serve over that
/// namespace alone, and a
/// Prometheus that scrapes serve every second with the scaled rules; calls `body` with the
/// Prometheus, serve's `instance` label and the namespace once the target is up. Stops all three
/// and deletes the namespace on every way out.
private func withScrapedLab(
    fixed: Bool,
    _ body: (PrometheusServer, _ instance: String, _ netns: String) throws -> Void
) throws {
    var arguments = [
        "lab", "run", "close-wait-noread", "--connections", "\(PrometheusAlertTests.connections)",
        "--rate", "\(PrometheusAlertTests.rate)", "--hold", "300",
    ]
    if fixed { arguments.append("--fixed") }
    let namespace = try TestNamespace()
    // Deleted last, after the lab and serve in it are stopped.
    defer { withExtendedLifetime(namespace) {} }
    let netns = namespace.name
    let lab = try BackgroundTCPDoctor(arguments, netns: netns)
    defer {
        lab.send(SIGTERM)
        _ = try? lab.ending(within: 20)
    }
    let (serve, port) = try ServeCommandTests.start([
        "--min-interval", "1", "--netns", netns, "--trend-window", "60",
    ])
    defer {
        serve.send(SIGTERM)
        _ = try? serve.ending(within: 20)
    }
    let instance = "127.0.0.1:\(port)"
    let prometheus = try PrometheusServer.scrapingEverySecond([instance])
    defer { prometheus.stop() }
    try body(prometheus, instance, netns)
}

/// deploy/prometheus/tcpdoctor-rules.yml run 60 times faster: `[30m]` is `[30s]`, `[1h]` is
/// `[1m]`, `for: 15m` is `for: 15s` and a horizon of `4 * 3600` seconds is `4 * 60`.
func scaledRules() throws -> String {
    var text = try String(
        contentsOfFile: SchemaCheck.repository + "/deploy/prometheus/tcpdoctor-rules.yml",
        encoding: .utf8
    )
    // Minutes first, checked before hours become minutes.
    for (pattern, template, left) in [
        (#"\[(\d+)m\]"#, "[$1s]", #"\d+m\]"#),
        (#"\[(\d+)h\]"#, "[$1m]", #"\[\d+[hd]\]"#),
        (#"for: (\d+)m"#, "for: $1s", #"for: \d+[mhd]"#),
        (#"\b3600\b"#, "60", #"\d+ \* 3600"#),
    ] {
        let range = NSRange(text.startIndex..., in: text)
        text = try NSRegularExpression(pattern: pattern).stringByReplacingMatches(
            in: text,
            range: range,
            withTemplate: template
        )
        let unscaled = try NSRegularExpression(pattern: left)
        if let match = unscaled.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let found = Range(match.range, in: text)
        {
            throw RunError("a duration of the rules was not scaled: \(text[found])")
        }
    }
    return text
}

/// Every query of deploy/grafana/tcpdoctor.json, with its variables at "All" and
/// `$__rate_interval` at one minute, answers with at least one series from this Prometheus, and
/// the host and process variables list the lab's serve and its server.
private func checkDashboard(_ prometheus: PrometheusServer, instance: String, netns: String) throws {
    // A TIME_WAIT socket in the lab's namespace (the client closes first), for the port-range panel.
    let timeWait = Process()
    timeWait.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
    timeWait.arguments = [
        "netns", "exec", netns, ChildProcess.pythonPath, "-c",
        "import socket; l=socket.socket(); l.bind(('127.0.0.1',0)); l.listen(); c=socket.create_connection(l.getsockname()); s,_=l.accept(); c.close(); s.recv(1); s.close()",
    ]
    try timeWait.run()
    timeWait.waitUntilExit()
    #expect(timeWait.terminationStatus == 0)

    let dashboard = try Dashboard(path: SchemaCheck.repository + "/deploy/grafana/tcpdoctor.json")
    #expect(dashboard.schemaVersion == 36)
    #expect(dashboard.variables.map(\.name) == ["instance", "process"])
    var empty: [String] = []
    let end = Date().addingTimeInterval(30)
    repeat {
        empty = try dashboard.queries.filter { try prometheus.query(Dashboard.expand($0)).isEmpty }
        if empty.isEmpty { break }
        usleep(500_000)
    } while Date() < end
    #expect(empty.isEmpty, "dashboard queries without data: \(empty)")
    for variable in dashboard.variables {
        let values = try Set(
            prometheus.query(Dashboard.expand(variable.metric)).compactMap { $0.labels[variable.label] }
        )
        let wanted = variable.name == "instance" ? instance : PrometheusAlertTests.lab
        #expect(values.contains(wanted), "$\(variable.name) lists \(values.sorted()), not \(wanted)")
    }
}
