import Foundation
import Glibc
import TCPDoctorTestSupport

/// Debian's prometheus package: the server and promtool, when installed.
enum PrometheusTools {
    static let server = executable("prometheus")
    static let promtool = executable("promtool")

    /// Under CI a missing package is a failure, not a skip: `.ci/run` installs it.
    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
    static var enabled: Bool { (server != nil && promtool != nil) || required }

    private static func executable(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func require(_ path: String?, _ name: String) throws -> String {
        guard let path else {
            throw RunError("\(name) is not installed (Debian's prometheus package; .ci/run installs it)")
        }
        return path
    }
}

/// A real Prometheus server on a loopback port, with its own configuration and storage in a
/// temporary directory; stopped (SIGTERM, then SIGKILL) and its directory removed when released.
final class PrometheusServer {
    let port: UInt16
    let directory: URL
    private let process = Process()
    private let logURL: URL

    /// Starts Prometheus with `configuration` (prometheus.yml text) and the given extra files
    /// beside it (rule files, by name), and waits until it answers /-/ready.
    init(configuration: String, files: [String: String] = [:]) throws {
        let binary = try PrometheusTools.require(PrometheusTools.server, "prometheus")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tcpdoctor-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logURL = directory.appendingPathComponent("prometheus.log")
        port = try freeLoopbackPort()
        do {
            for (name, text) in files {
                try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            let config = directory.appendingPathComponent("prometheus.yml")
            try configuration.write(to: config, atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "--config.file=\(config.path)",
                "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--log.level=warn",
            ]
            process.standardOutput = try FileHandle(forWritingTo: logURL)
            process.standardError = try FileHandle(forWritingTo: logURL)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try waitReady(within: 60)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// A Prometheus that scrapes `targets` (one job, `tcpdoctor`) and evaluates the shipped rules
    /// 60 times faster (`scaledRules`), every second; returned once every target is up.
    static func scrapingEverySecond(_ targets: [String]) throws -> PrometheusServer {
        let list = targets.map { "\"\($0)\"" }.joined(separator: ", ")
        let prometheus = try PrometheusServer(
            configuration: """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: [tcpdoctor-rules.yml]
                scrape_configs:
                  - job_name: tcpdoctor
                    static_configs:
                      - targets: [\(list)]
                """,
            files: ["tcpdoctor-rules.yml": try scaledRules()]
        )
        let end = Date().addingTimeInterval(30)
        while !(try prometheus.targetsUp()) {
            guard Date() < end else {
                throw RunError(
                    "Prometheus did not scrape \(targets) within 30 s: \(try prometheus.api("targets")) \(prometheus.log)"
                )
            }
            usleep(200_000)
        }
        return prometheus
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    private func waitReady(within seconds: Double) throws {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if let ready = try? HTTPExchange.send("GET", "/-/ready", port: port), ready.status == 200 { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        throw RunError("Prometheus did not become ready on port \(port) within \(seconds) s: \(log)")
    }

    /// `GET /api/v1/PATH?QUERY` decoded; throws unless Prometheus says `"status": "success"`.
    func api(_ path: String, _ parameters: [(String, String)] = []) throws -> Any {
        var components = URLComponents()
        components.path = "/api/v1/" + path
        components.queryItems = parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves `+` alone, which a query string reads as a space.
        let query = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        let response = try HTTPExchange.send(
            "GET",
            components.percentEncodedPath + (query.isEmpty ? "" : "?" + query),
            port: port
        )
        let document = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        guard response.status == 200, document?["status"] as? String == "success", let data = document?["data"] else {
            throw RunError("Prometheus /api/v1/\(path) \(parameters): \(response.status) \(response.body)")
        }
        return data
    }

    /// The result of an instant query: each series' labels and value.
    func query(_ expression: String) throws -> [(labels: [String: String], value: Double)] {
        let data = try api("query", [("query", expression)]) as? [String: Any]
        let result = data?["result"] as? [[String: Any]] ?? []
        return result.map { series in
            let labels = series["metric"] as? [String: String] ?? [:]
            let value = (series["value"] as? [Any])?.last.flatMap { $0 as? String }.flatMap(Double.init) ?? .nan
            return (labels, value)
        }
    }

    /// The alerts pending or firing now: labels and state.
    func alerts() throws -> [(labels: [String: String], state: String)] {
        let data = try api("alerts") as? [String: Any]
        return (data?["alerts"] as? [[String: Any]] ?? []).map {
            ($0["labels"] as? [String: String] ?? [:], $0["state"] as? String ?? "")
        }
    }

    /// Whether every target has been scraped successfully at least once.
    func targetsUp() throws -> Bool {
        let data = try api("targets") as? [String: Any]
        let active = data?["activeTargets"] as? [[String: Any]] ?? []
        return !active.isEmpty && active.allSatisfy { $0["health"] as? String == "up" }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            let end = Date().addingTimeInterval(20)
            while process.isRunning && Date() < end { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A port of 127.0.0.1 that was free a moment ago: a listener's, closed again. For programs that
/// cannot be told to pick one and say which (Prometheus); should another process take it in
/// between, the start fails loudly rather than the test passing wrongly.
func freeLoopbackPort() throws -> UInt16 {
    let listener = try LoopbackSocket.listen()
    defer { listener.close() }
    return listener.port
}
