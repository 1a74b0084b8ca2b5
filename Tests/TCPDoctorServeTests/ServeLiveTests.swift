import Foundation
import Glibc
import TCPDoctorLinux
import TCPDoctorServe
import TCPDoctorTestSupport
import Testing

/// A real serve on loopback answering real HTTP requests about the test's own sockets.
@Suite struct ServeLiveTests {
    @Test func metricsParseInBothFormatsAndPassPromtool() async throws {
        try await withLiveServer(minimumInterval: 60) { port, _ in
            let text = try await offPool { try HTTPExchange.send("GET", "/metrics", port: port) }
            #expect(text.status == 200)
            #expect(text.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let parsed = try Exposition(parsing: text.body, openMetrics: false)
            #expect(parsed.value("tcpdoctor_snapshot_success") == 1)
            #expect(parsed.types["tcpdoctor_snapshots_total"] == "counter")
            #expect(parsed.value("tcpdoctor_findings", ["severity": "critical"]) != nil)
            if let promtool = promtoolPath {
                let check = try promtoolCheck(text.body, promtool: promtool)
                #expect(check.status == 0, "promtool check metrics: \(check.output)")
                #expect(check.output.isEmpty, "promtool's lint: \(check.output)")
            }

            let accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
            let open = try await offPool {
                try HTTPExchange.send("GET", "/metrics", port: port, headers: ["Accept": accept])
            }
            #expect(open.status == 200)
            #expect(open.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            #expect(open.body.hasSuffix("# EOF\n"))
            let parsedOpen = try Exposition(parsing: open.body, openMetrics: true)
            #expect(parsedOpen.types["tcpdoctor_snapshots"] == "counter")
            #expect(parsedOpen.value("tcpdoctor_snapshots_total") == 1)
        }
    }

    /// The test's own listener with five connections it never accepts: the accept queue of its
    /// port is 5 and its backlog the one it asked for.
    @Test func theTestsOwnListenerShowsItsAcceptQueue() async throws {
        let listener = try LoopbackSocket.listen(backlog: 16)
        let clients = try (0..<5).map { _ in try LoopbackSocket.connect(to: listener.port) }
        defer { withExtendedLifetime((listener, clients)) {} }
        try await withLiveServer(minimumInterval: 0) { port, _ in
            let response = try await offPool { try HTTPExchange.send("GET", "/metrics", port: port) }
            let parsed = try Exposition(parsing: response.body, openMetrics: false)
            let queues = try #require(parsed.samples["tcpdoctor_listen_queue_length"])
            let mine = queues.filter { $0.key["port"] == String(listener.port) }
            #expect(mine.count == 1, "series of port \(listener.port): \(mine)")
            #expect(mine.first?.value == 5)
            let backlogs = try #require(parsed.samples["tcpdoctor_listen_backlog"])
            #expect(backlogs.first { $0.key["port"] == String(listener.port) }?.value == 16)
        }
    }

    /// A holder process of a name of its own accepts three connections whose clients then close:
    /// exactly its three CLOSE_WAIT sockets show under its name, and its command line nowhere.
    @Test func aHoldersCloseWaitSocketsShowUnderItsCommand() async throws {
        let name = "srvcw\(UInt32.random(in: 0..<UInt32.max) % 100_000_000)"
        let secret = "token\(UInt64.random(in: 0..<UInt64.max))"
        let holder = try CloseWaitHolder(command: name, sockets: 3, arguments: ["--secret=\(secret)"])
        let holderPort = holder.port
        try await withLiveServer(minimumInterval: 0) { port, _ in
            // The FINs are on their way: poll until the holder's sockets are all in CLOSE_WAIT.
            var parsed = try Exposition(parsing: "", openMetrics: false)
            var body = ""
            let deadline = Date().addingTimeInterval(30)
            while true {
                body = try await offPool { try HTTPExchange.send("GET", "/metrics", port: port).body }
                parsed = try Exposition(parsing: body, openMetrics: false)
                let closeWait = parsed.value("tcpdoctor_process_sockets", ["process": name, "state": "CLOSE_WAIT"])
                if closeWait == 3 || Date() > deadline { break }
            }
            #expect(parsed.value("tcpdoctor_process_sockets", ["process": name, "state": "CLOSE_WAIT"]) == 3)
            #expect(parsed.value("tcpdoctor_process_sockets", ["process": name, "state": "ESTABLISHED"]) == 0)
            #expect(parsed.value("tcpdoctor_process_sockets", ["process": name, "state": "LISTEN"]) == 1)
            #expect(parsed.value("tcpdoctor_process_instances", ["process": name]) == 1)
            #expect((parsed.value("tcpdoctor_process_open_fds", ["process": name]) ?? 0) >= 4)
            #expect(body.contains("port=\"\(holderPort)\""))
            #expect(!body.contains(secret))
            withExtendedLifetime(holder) {}
        }
    }

    @Test func unknownPathsAre404AndOtherMethods405() async throws {
        try await withLiveServer(minimumInterval: 60) { port, cache in
            let missing = try await offPool { try HTTPExchange.send("GET", "/nope", port: port) }
            #expect(missing.status == 404)
            let page = try await offPool { try HTTPExchange.send("GET", "/index.html", port: port) }
            #expect(page.status == 404)
            for (method, path) in [
                ("POST", "/metrics"), ("DELETE", "/api/sockets"), ("PUT", "/healthz"), ("POST", "/"),
            ] {
                let refused = try await offPool {
                    try HTTPExchange.send(method, path, port: port, body: method == "DELETE" ? "" : "x=1")
                }
                #expect(refused.status == 405, "\(method) \(path)")
                #expect(refused.headers["allow"] == "GET, HEAD", "\(method) \(path)")
            }
            let head = try await offPool { try HTTPExchange.send("HEAD", "/metrics", port: port) }
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            let health = try await offPool { try HTTPExchange.send("GET", "/healthz", port: port) }
            #expect(health.status == 200)
            #expect(health.body == "ok\n")
            // Nothing above took a snapshot but the HEAD of /metrics.
            #expect(cache.statistics.snapshots == 1)
        }
    }

    @Test func theAPIServesTheCommandsDocuments() async throws {
        let listener = try LoopbackSocket.listen()
        defer { withExtendedLifetime(listener) {} }
        try await withLiveServer(minimumInterval: 60) { port, cache in
            func document(_ path: String) async throws -> [String: Any] {
                let response = try await offPool { try HTTPExchange.send("GET", path, port: port) }
                #expect(response.status == 200, "\(path)")
                #expect(response.headers["content-type"] == "application/json", "\(path)")
                let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8))
                return try #require(object as? [String: Any], "\(path) is not a JSON object")
            }
            let sockets = try await document("/api/sockets")
            let records = try #require(sockets["sockets"] as? [[String: Any]])
            let ports = records.compactMap { ($0["local"] as? [String: Any])?["port"] as? Int }
            #expect(ports.contains(Int(listener.port)))
            #expect(sockets["unattributed"] is [String: Any])
            let states = try await document("/api/states")
            #expect((states["states"] as? [String: Int])?.count == 11)
            #expect(states["groups"] == nil)
            let byProcess = try await document("/api/states?by=process")
            #expect(byProcess["by"] as? String == "process")
            let findings = try await document("/api/findings")
            #expect(findings["findings"] is [Any])
            #expect((findings["history"] as? [String: Any])?["status"] as? String == "disabled")
            let bad = try await offPool { try HTTPExchange.send("GET", "/api/states?by=color", port: port) }
            #expect(bad.status == 400)
            #expect(bad.body.contains("\"code\":\"usage\""))
            // Four documents, one snapshot.
            #expect(cache.statistics.snapshots == 1)
        }
    }

    /// With no cache period each scrape takes its own snapshot, one after the other: the counter
    /// that the concurrent test reads does count refreshes.
    @Test func withoutACachePeriodEachScrapeTakesASnapshot() async throws {
        try await withLiveServer(minimumInterval: 0) { port, cache in
            for expected in 1...3 {
                let response = try await offPool { try HTTPExchange.send("GET", "/metrics", port: port) }
                let parsed = try Exposition(parsing: response.body, openMetrics: false)
                #expect(parsed.value("tcpdoctor_snapshots_total") == Double(expected))
            }
            #expect(cache.statistics.snapshots == 3)
        }
    }

    /// A system that cannot be read: /metrics still answers, says so and counts the error; the
    /// documents are 503 with the error document.
    @Test func aSystemThatCannotBeReadIsReportedNotHidden() async throws {
        let cache = SnapshotCache(minimumInterval: 60, limits: MetricLimits()) {
            .failure(LinuxError(.procfsUnreadable, "cannot read /proc (a test's failure)"))
        }
        try await withLiveServer(minimumInterval: 60, cache: cache) { port, _ in
            let metrics = try await offPool { try HTTPExchange.send("GET", "/metrics", port: port) }
            #expect(metrics.status == 200)
            let parsed = try Exposition(parsing: metrics.body, openMetrics: false)
            #expect(parsed.value("tcpdoctor_snapshot_success") == 0)
            #expect(parsed.value("tcpdoctor_scrape_errors_total") == 1)
            #expect(parsed.samples["tcpdoctor_sockets"] == nil)
            for path in ["/api/sockets", "/api/states", "/api/findings"] {
                let document = try await offPool { try HTTPExchange.send("GET", path, port: port) }
                #expect(document.status == 503, "\(path)")
                #expect(document.body.contains("\"code\":\"system_unreadable\""), "\(path)")
                #expect(document.body.contains("cannot read /proc (a test's failure)"), "\(path)")
            }
        }
    }

    /// Headers past Hummingbird's 80 KiB are refused, and the server goes on answering.
    @Test func oversizeHeadersAreRefused() async throws {
        try await withLiveServer(minimumInterval: 60) { port, _ in
            let huge = String(repeating: "x", count: 200_000)
            let refused = try await offPool { () -> Int in
                let connection = try HTTPConnection(port: port)
                // The server may close before it has read everything: a failed write is a refusal too.
                guard (try? connection.write(HTTPExchange.request("GET", "/healthz", headers: ["X-Big": huge]))) != nil
                else { return 0 }
                return (try? connection.readResponse())?.status ?? 0
            }
            #expect(refused != 200)
            let health = try await offPool { try HTTPExchange.send("GET", "/healthz", port: port) }
            #expect(health.status == 200)
        }
    }

    /// A hundred scrapes in flight at once on a cold cache: one refresh serves them all, and every
    /// answer says so in `tcpdoctor_snapshots_total`.
    @Test func aHundredConcurrentScrapesShareOneSnapshot() async throws {
        try await withLiveServer(minimumInterval: 3600) { port, cache in
            let bodies = try await offPool {
                var connections: [HTTPConnection?] = try (0..<100).map { _ in try HTTPConnection(port: port) }
                for connection in connections { try connection?.write(HTTPExchange.request("GET", "/metrics")) }
                // Each closed once read: a read one would sit in CLOSE_WAIT in this process,
                // which other tests look at.
                var responses: [HTTPExchange] = []
                for index in connections.indices {
                    if let connection = connections[index] { responses.append(try connection.readResponse()) }
                    connections[index] = nil
                }
                return responses
            }
            #expect(bodies.count == 100)
            for (index, response) in bodies.enumerated() {
                #expect(response.status == 200, "scrape \(index)")
                let parsed = try Exposition(parsing: response.body, openMetrics: false)
                #expect(parsed.value("tcpdoctor_snapshots_total") == 1, "scrape \(index)")
            }
            let statistics = cache.statistics
            #expect(statistics.snapshots == 1)
            #expect(statistics.scrapes == 100)
            #expect(statistics.scrapeErrors == 0)
        }
    }

    /// A client that sends its request's headers a line at a time, never finishing them (a
    /// slowloris), is dropped at the client timeout, and so is a kept-alive connection left idle
    /// after its answer; the server goes on answering others.
    @Test func slowAndIdleClientsAreDroppedAtTheClientTimeout() async throws {
        try await withLiveServer(minimumInterval: 60, clientTimeout: 1) { port, cache in
            let slow = try await offPool { () -> (closed: Bool, answer: [UInt8]) in
                let connection = try HTTPConnection(port: port)
                try connection.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                // A guard against a server that never drops it, not a timed assertion.
                let deadline = Date().addingTimeInterval(30)
                var line = 0
                while Date() < deadline {
                    // MSG_NOSIGNAL: a write to the connection the server closed fails, no SIGPIPE.
                    let header = Array("X-Slow-\(line): 1\r\n".utf8)
                    line += 1
                    let sent = header.withUnsafeBytes {
                        send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                    }
                    if sent < 0 { return (true, []) }
                    var entry = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
                    if poll(&entry, 1, 250) > 0 {
                        var buffer = [UInt8](repeating: 0, count: 4096)
                        let count = buffer.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
                        return (count <= 0, count > 0 ? Array(buffer[..<count]) : [])
                    }
                }
                return (false, [])
            }
            #expect(slow.closed, "the server still reads a request begun 30 s ago")
            #expect(slow.answer.isEmpty, "\(String(decoding: slow.answer, as: UTF8.self))")
            // Kept alive: the answer comes at once, and the connection ends at the timeout.
            let idle = try await offPool { () -> HTTPExchange in
                let connection = try HTTPConnection(port: port)
                try connection.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(idle.status == 200)
            #expect(idle.body == "ok\n")
            let health = try await offPool { try HTTPExchange.send("GET", "/healthz", port: port) }
            #expect(health.status == 200)
            #expect(cache.statistics.snapshots == 0)
        }
    }

    /// A body announced past 64 KiB, or of unknown length (chunked), is answered 413 before a
    /// byte of it is read, and the connection closed; a small one is ignored as before.
    @Test func announcedBodiesPastTheLimitAreRefusedAndTheConnectionClosed() async throws {
        try await withLiveServer(minimumInterval: 60) { port, cache in
            for (method, path, headers) in [
                ("GET", "/metrics", ["Content-Length": "100000000"]),
                ("POST", "/api/findings", ["Content-Length": "65537"]),
                ("GET", "/", ["Transfer-Encoding": "chunked"]),
                ("GET", "/healthz", ["Content-Length": "ten"]),
            ] {
                let refused = try await offPool { () -> HTTPExchange in
                    let connection = try HTTPConnection(port: port)
                    // The headers and the first bytes only: the answer must not wait for the rest.
                    try connection.write(HTTPExchange.request(method, path, headers: headers) + "abcdef")
                    return try connection.readResponse()
                }
                let shown = "\(method) \(path) \(headers)"
                // A Content-Length that is no number is the HTTP parser's 400; the others are ours.
                #expect(refused.status == (headers["Content-Length"] == "ten" ? 400 : 413), "\(shown)")
                #expect(refused.headers["connection"] == "close", "\(shown)")
                if refused.status == 413 { #expect(refused.body.contains("take no body"), "\(shown)") }
            }
            let small = try await offPool {
                try HTTPExchange.send("GET", "/healthz", port: port, body: String(repeating: "x", count: 1000))
            }
            #expect(small.status == 200)
            #expect(cache.statistics.snapshots == 0)
        }
    }
}

/// docs/metrics.md names every family a real exposition has, under the name its samples carry.
@Suite struct MetricsDocumentationTests {
    static let documentation = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/metrics.md")

    @Test func everyExportedFamilyIsDocumented() async throws {
        let text = try String(contentsOf: Self.documentation, encoding: .utf8)
        try await withLiveServer(minimumInterval: 60) { port, _ in
            let response = try await offPool { try HTTPExchange.send("GET", "/metrics", port: port) }
            let parsed = try Exposition(parsing: response.body, openMetrics: false)
            #expect(parsed.types.count >= 20)
            for name in parsed.types.keys.sorted() {
                #expect(text.contains("| `\(name)` |"), "docs/metrics.md has no row for \(name)")
            }
        }
    }
}
