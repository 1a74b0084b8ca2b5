import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// `watch` off a terminal: the batch blocks and NDJSON of the built binary, on the test's own
/// loopback sockets (counted through a filter on the test's own port, so that other sockets of
/// the host never enter a count).
@Suite(.serialized)
struct WatchCommandTests {
    /// The lines of `stdout` as JSON objects.
    static func documents(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw RunError("not a JSON object: \(line)")
            }
            return object
        }
    }

    /// The group of this test process in a `--by process` document.
    static func ownGroup(_ document: [String: Any]) -> [String: Any]? {
        (document["groups"] as? [[String: Any]])?.first { $0["pid"] as? Int32 == getpid() }
    }

    @Test func ndjsonGivesOneDocumentPerRefreshWithTheOwnSockets() throws {
        let listener = try LoopbackSocket.listen()
        var clients: [LoopbackSocket] = []
        var servers: [LoopbackSocket] = []
        for _ in 0..<3 {
            clients.append(try LoopbackSocket.connect(to: listener.port))
            servers.append(try listener.accept())
        }
        clients[0].close()
        clients[1].close()
        let filter = ["src", "127.0.0.1:\(listener.port)"]
        // The peer's FIN reaches the server sockets at once on loopback; poll until it shows.
        var documents: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(20)
        repeat {
            let run = try runTCPDoctor(["watch", "--json", "--count", "3", "--interval", "0.2"] + filter)
            #expect(run.status == 0, "\(run.stderr)")
            documents = try Self.documents(run.stdout)
            if documents.allSatisfy({ (($0["states"] as? [String: Int])?["CLOSE_WAIT"]) == 2 }) { break }
        } while Date() < deadline
        #expect(documents.count == 3)
        #expect(documents.map { $0["refresh"] as? Int } == [1, 2, 3])
        for document in documents {
            let states = try #require(document["states"] as? [String: Int])
            #expect(states["CLOSE_WAIT"] == 2)
            #expect(states["ESTABLISHED"] == 1)
            #expect(states["LISTEN"] == 1)
            #expect(document["total"] as? Int == 4)
            #expect(document["by"] as? String == "process")
            #expect(document["filter"] as? String == filter.joined(separator: " "))
            let own = try #require(Self.ownGroup(document))
            #expect(own["total"] as? Int == 4)
            #expect((own["states"] as? [String: Int])?["CLOSE_WAIT"] == 2)
            let fds = try #require(own["fds"] as? [String: Any])
            #expect((fds["open"] as? Int ?? 0) >= 4, "the test holds at least its four sockets open")
            let cost = try #require(document["cost"] as? [String: Any])
            #expect(["full", "incremental"].contains(cost["refresh"] as? String))
        }
        #expect(documents[0]["change_since_last"] is NSNull, "the first refresh has nothing to compare with")
        #expect(documents[1]["change_since_last"] as? Int == 0)
        #expect(documents[2]["change_since_start"] as? Int == 0)
        #expect((documents[0]["cost"] as? [String: Any])?["full_reason"] as? String == "first")
        withExtendedLifetime((listener, clients, servers)) {}
    }

    @Test func changesFollowSocketsOpenedWhileWatching() throws {
        let listener = try LoopbackSocket.listen()
        let watch = try BackgroundTCPDoctor([
            "watch", "--json", "--interval", "0.2", "--by", "local-port", "src", "127.0.0.1:\(listener.port)",
        ])
        _ = try watch.firstLine(within: 30)
        var clients: [LoopbackSocket] = []
        var servers: [LoopbackSocket] = []
        for _ in 0..<5 {
            clients.append(try LoopbackSocket.connect(to: listener.port))
            servers.append(try listener.accept())
        }
        // Poll the complete lines until one counts six sockets on the port: the listener and the
        // five accepted ones (the clients' local ports are ephemeral).
        var documents: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let complete = watch.stdout.split(separator: "\n", omittingEmptySubsequences: true)
            documents = try Self.documents(complete.dropLast().joined(separator: "\n"))
            if documents.last?["total"] as? Int == 6 { break }
            usleep(50_000)
        }
        let last = try #require(documents.last)
        #expect(last["total"] as? Int == 6)
        #expect(documents.first?["total"] as? Int == 1, "only the listener at first")
        // However the refreshes fell between the connects, the changes add up.
        let changes = documents.dropFirst().compactMap { $0["change_since_last"] as? Int }
        #expect(changes.count == documents.count - 1)
        #expect(changes.reduce(0, +) == 5)
        #expect(last["change_since_start"] as? Int == 5)
        let group = try #require(
            (last["groups"] as? [[String: Any]])?.first { $0["port"] as? Int == Int(listener.port) }
        )
        #expect(group["change_since_start"] as? Int == 5)
        #expect(group["fds"] == nil, "fd use belongs to process groups")
        watch.send(SIGTERM)
        #expect(try watch.ending(within: 20) == .signalled(SIGTERM))
        withExtendedLifetime((listener, clients, servers)) {}
    }

    @Test(arguments: [[String](), ["--batch"]])
    func batchPrintsOnePlainBlockPerRefresh(flags: [String]) throws {
        let listener = try LoopbackSocket.listen()
        let run = try runTCPDoctor(
            ["watch", "--count", "2", "--interval", "0.2"] + flags + ["src", "127.0.0.1:\(listener.port)"]
        )
        #expect(run.status == 0, "\(run.stderr)")
        let blocks = run.stdout.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(blocks.count == 2, "\(run.stdout)")
        for (index, block) in blocks.enumerated() {
            let lines = block.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("tcpdoctor watch  ") == true)
            #expect(lines.first?.contains("refresh \(index + 1)") == true)
            #expect(lines.contains("sockets 1: LISTEN 1") || lines.contains { $0.hasPrefix("sockets 1: LISTEN 1  (") })
            let headingIndex = try #require(lines.firstIndex { $0.hasPrefix("Group") })
            let heading = lines[headingIndex]
            #expect(heading.contains("LISTEN") && heading.contains("Total*") && heading.contains("FD use"))
            let own = "(pid \(getpid()))"
            // A row of the table, below its heading: the header's `worst:` line can name this
            // process too (a finding about a child a parallel test forked, such as tcpdump).
            let row = try #require(lines[(headingIndex + 1)...].first { $0.contains(own) })
            #expect(row.split(separator: " ").filter { $0 == "1" }.count == 2, "LISTEN and Total: \(row)")
            let fds = try #require(lines.first { $0.hasPrefix("fds nearest the limit: ") }, "\(block)")
            #expect(fds.contains(own))
            #expect(!block.contains("\u{1B}"), "no escape sequences off a terminal")
        }
        withExtendedLifetime(listener) {}
    }

    @Test(arguments: [
        (["watch", "--interval", "0"], Int32(64), "--interval must be"),
        (["watch", "--interval", "soon"], 64, "'soon' is invalid for '--interval"),
        (["watch", "--count", "0"], 64, "--count must be at least 1"),
        (["watch", "--by", "colour"], 64, "colour"),
        (["watch", "state", "bogus"], 64, "unknown state 'bogus'"),
        (["watch", "--netns", "tcpdoctor-no-such-netns", "--count", "1"], 3, "no network namespace named"),
    ])
    func badInputIsAUsageErrorOrUnreadable(arguments: [String], status: Int32, message: String) throws {
        let run = try runTCPDoctor(arguments)
        #expect(run.status == status)
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }
}
