import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// `tcpdoctor serve` as users run it: the built binary as a child process, real HTTP on loopback.
@Suite struct ServeCommandTests {
    /// A server on a port the kernel chose, and that port, read from its "listening on" line.
    ///
    /// - Parameters:
    ///   - host: The address to listen on, port 8273 unless 127.0.0.1 (then the kernel's choice).
    ///   - netns: A named namespace to run serve in.
    static func start(
        _ extra: [String] = [],
        host: String = "127.0.0.1",
        netns: String? = nil
    ) throws -> (BackgroundTCPDoctor, UInt16) {
        let listen = host == "127.0.0.1" ? "127.0.0.1:0" : "\(host):8273"
        let server = try BackgroundTCPDoctor(["serve", "--listen", listen] + extra, netns: netns)
        let marker = "listening on http://\(host):"
        let end = Date().addingTimeInterval(30)
        while Date() < end {
            let stderr = server.stderr
            if let range = stderr.range(of: marker) {
                let digits = stderr[range.upperBound...].prefix { $0.isNumber }
                if let port = UInt16(digits), stderr[range.upperBound...].dropFirst(digits.count).first == " " {
                    return (server, port)
                }
            }
            usleep(20_000)
        }
        throw RunError("serve did not say where it listens within 30 s; stderr: \(server.stderr)")
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalStopsItWithStatusZero(signal: Int32) throws {
        let (server, port) = try Self.start()
        let health = try HTTPExchange.send("GET", "/healthz", port: port)
        #expect(health.status == 200)
        let metrics = try HTTPExchange.send("GET", "/metrics", port: port)
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("tcpdoctor_snapshots_total 1\n"))
        server.send(signal)
        #expect(try server.ending(within: 10) == .exited(0), "stderr: \(server.stderr)")
        // Closed: nothing listens on the port any more.
        #expect(throws: (any Error).self) { try HTTPExchange.send("GET", "/healthz", port: port) }
    }

    @Test func aPortInUseExitsWith8AndNamesItsHolder() throws {
        let listener = try LoopbackSocket.listen()
        defer { withExtendedLifetime(listener) {} }
        let run = try runTCPDoctor(["serve", "--listen", "127.0.0.1:\(listener.port)"])
        #expect(run.status == 8, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("Could not listen on 127.0.0.1:\(listener.port): the port is in use"))
        #expect(run.stderr.contains("pid \(getpid())"), "stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func anAddressOfAnotherHostExitsWith8() throws {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this host.
        let run = try runTCPDoctor(["serve", "--listen", "192.0.2.1:8273"])
        #expect(run.status == 8, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("192.0.2.1 is not an address of this host"), "stderr: \(run.stderr)")
    }

    @Test(arguments: [
        (["--listen", "localhost:8273"], "'localhost' is not an IP address"),
        (["--listen", "127.0.0.1"], "expected ADDRESS:PORT"),
        (["--listen", "[::1]8273"], "in brackets"),
        (["--max-series", "10"], "--max-series must be at least"),
        (["--min-interval=-1"], "--min-interval must be"),
        (["--top", "0"], "--top must be at least 1"),
    ])
    func badOptionsAreUsageErrors(arguments: [String], message: String) throws {
        let run = try runTCPDoctor(["serve"] + arguments)
        #expect(run.status == 64, "stderr: \(run.stderr)")
        #expect(run.stderr.contains(message), "stderr: \(run.stderr)")
    }

    @Test(.enabled(if: SchemaCheck.isAvailable, "needs python3 with jsonschema (.ci/run installs python3-jsonschema)"))
    func theAPIDocumentsMatchTheCommandsSchemas() throws {
        let listener = try LoopbackSocket.listen()
        defer { withExtendedLifetime(listener) {} }
        let (server, port) = try Self.start()
        defer { withExtendedLifetime(server) {} }
        let check = try SchemaCheck()
        for (path, schema) in [
            ("/api/sockets", "sockets"), ("/api/states", "states"), ("/api/states?by=process", "states"),
            ("/api/findings", "doctor"),
        ] {
            let response = try HTTPExchange.send("GET", path, port: port)
            #expect(response.status == 200, "\(path)")
            try check.add(response.body, schema: schema, label: path)
        }
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(problems)")
    }
}
