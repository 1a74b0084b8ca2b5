import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// A fleet in one test (issue 15, item 7): three "hosts", each a network namespace of the test's
/// own joined to the test's namespace by a veth pair with addresses of 198.18.0.0/15 (RFC 2544's
/// benchmarking range, never routed), each running `tcpdoctor serve --netns current` on its
/// address; one of them also runs the close-wait-noread lab. One Prometheus on the test's loopback
/// scrapes all three every second with the shipped rules 60 times faster. The CLOSE_WAIT alert
/// must fire with the leaking host's `instance` only, and the dashboard's host variable must list
/// all three.
@Suite(
    .serialized,
    .enabled(if: TestNamespace.isAvailable, "needs root and iproute2 for network namespaces"),
    .enabled(if: PrometheusTools.enabled, "needs Debian's prometheus package (.ci/run installs it)")
)
struct FleetTests {
    // Minutes of polling: off the concurrency pool, which other tests' in-process servers need.
    @Test func theAlertNamesTheLeakingHostOnlyAndTheDashboardListsAllThree() async throws {
        try await offPool { try Self.fleet() }
    }

    static func fleet() throws {
        // A /24 of the range per run: two runs at once (or a leftover) do not share addresses.
        let subnet = Int.random(in: 0...255)
        let hosts = try (1...3).map { try FleetHost(index: $0, subnet: subnet) }
        let leaking = hosts[1]
        let lab = try BackgroundTCPDoctor(
            [
                "lab", "run", "close-wait-noread", "--connections", "\(PrometheusAlertTests.connections)",
                "--rate", "\(PrometheusAlertTests.rate)", "--hold", "300",
            ],
            netns: leaking.namespace.name
        )
        defer {
            lab.send(SIGTERM)
            _ = try? lab.ending(within: 20)
        }
        let prometheus = try PrometheusServer.scrapingEverySecond(hosts.map(\.instance))
        defer { prometheus.stop() }

        var firing: Set<String> = []
        let end = Date().addingTimeInterval(150)
        while firing.isEmpty, Date() < end {
            for alert in try prometheus.alerts()
            where alert.labels["alertname"] == "TCPDoctorCloseWaitGrowing" && alert.state == "firing" {
                firing.insert(alert.labels["instance"] ?? "")
            }
            usleep(200_000)
        }
        #expect(firing == [leaking.instance], "firing on \(firing.sorted()); the leak is on \(leaking.instance)")
        // Nothing about CLOSE_WAIT, pending or firing, on the two quiet hosts.
        let quiet = Set(hosts.map(\.instance)).subtracting([leaking.instance])
        let noisy = try prometheus.alerts().filter { quiet.contains($0.labels["instance"] ?? "") }
        #expect(noisy.isEmpty, "alerts on quiet hosts: \(noisy)")

        let dashboard = try Dashboard(path: SchemaCheck.repository + "/deploy/grafana/tcpdoctor.json")
        let host = try #require(dashboard.variables.first { $0.name == "instance" })
        let listed = try Set(prometheus.query(Dashboard.expand(host.metric)).compactMap { $0.labels[host.label] })
        #expect(listed == Set(hosts.map(\.instance)), "the host variable lists \(listed.sorted())")
        withExtendedLifetime(hosts) {}
    }
}

/// One host of the fleet: a namespace, a veth pair to the test's namespace (198.18.S.4N+1 on the
/// test's side, .4N+2 inside), and serve on the inside address reading that namespace only.
/// Stopped and deleted (the veth pair goes with the namespace) when released.
final class FleetHost {
    let namespace: TestNamespace
    let address: String
    let serve: BackgroundTCPDoctor
    var instance: String { "\(address):8273" }

    init(index: Int, subnet: Int) throws {
        namespace = try TestNamespace()
        let base = 4 * index
        let outside = "td" + String(UInt32.random(in: 0...0xfff_ffff), radix: 16)
        address = "198.18.\(subnet).\(base + 2)"
        try Self.ip(["link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", namespace.name])
        try Self.ip(["addr", "add", "198.18.\(subnet).\(base + 1)/30", "dev", outside])
        try Self.ip(["link", "set", outside, "up"])
        try Self.ip(["-n", namespace.name, "addr", "add", "\(address)/30", "dev", "eth0"])
        try Self.ip(["-n", namespace.name, "link", "set", "eth0", "up"])
        (serve, _) = try ServeCommandTests.start(
            ["--min-interval", "1", "--netns", "current", "--trend-window", "60"],
            host: address,
            netns: namespace.name
        )
    }

    deinit {
        serve.send(SIGTERM)
        _ = try? serve.ending(within: 20)
    }

    private static func ip(_ arguments: [String]) throws {
        let run = try runProgram("/usr/sbin/ip", arguments)
        guard run.status == 0 else { throw RunError("ip \(arguments.joined(separator: " ")): \(run.stderr)") }
    }
}
