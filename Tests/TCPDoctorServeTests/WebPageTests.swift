import Foundation
import Glibc
import TCPDoctorServe
import TCPDoctorTestSupport
import Testing

/// The page at `/` in a real browser (headless chromium) over a real serve, and the page and
/// `/api/timeline` over HTTP.
///
/// Serialized: one browser at a time is what a 2-core CI machine can bear.
@Suite(.serialized) struct WebPageTests {
    /// A process that leaks CLOSE_WAIT: once the FINs are in, the rendered table has its row,
    /// under its command name, with its twelve CLOSE_WAIT sockets and its listener; the doctor's
    /// finding about it is listed, and its link lists exactly those sockets.
    @Test(.enabled(if: HeadlessChromium.testsEnabled, "chromium is not installed (and CI is not set)"))
    func theLeakingProcessShowsInTheRenderedPage() async throws {
        let browser = try HeadlessChromium.require()
        let name = "webcw\(UInt32.random(in: 0..<UInt32.max) % 100_000_000)"
        // 12: past the doctor's warning threshold (close-wait.warning, 10).
        let holder = try CloseWaitHolder(command: name, sockets: 12)
        defer { withExtendedLifetime(holder) {} }
        let findingPrefix = "data-id=\"close-wait-leak/\(holder.pid)/"
        try await withServeProcess(minimumInterval: 0.2) { port in
            let url = "http://127.0.0.1:\(port)/"
            let (dom, row) = try await Self.render(url, browser, pid: holder.pid) { dom, row in
                row["CLOSE_WAIT"] == "12" && dom.contains(findingPrefix)
            }
            let cells = try #require(row, "no row for pid \(holder.pid) in the rendered table:\n\(dom.suffix(4000))")
            #expect(cells["command"] == name)
            #expect(cells["pid"] == String(holder.pid))
            #expect(cells["CLOSE_WAIT"] == "12")
            #expect(cells["LISTEN"] == "1")
            #expect(cells["ESTABLISHED"] == "0")
            #expect(cells["total"] == "13")
            // The script ran to the end: the charts were drawn from the timeline.
            #expect(dom.contains("snapshots from"), "the timeline's note is missing")
            #expect(dom.contains("<path class=\"line c0\""), "the host chart has no line")

            // The finding, and the page its link opens: the holder's sockets on its port.
            let id = try #require(Self.attribute(after: findingPrefix, in: dom))
            let finding = try #require(Self.element(from: "<li class=\"finding", containing: id, in: dom))
            #expect(finding.contains(name), "the finding does not name the holder: \(finding)")
            // Encoded as the script's encodeURIComponent does.
            let unreserved = CharacterSet(charactersIn: "-_.!~*'()").union(.alphanumerics)
            let fragment = "#sockets=" + (id.addingPercentEncoding(withAllowedCharacters: unreserved) ?? id)
            #expect(finding.contains("href=\"\(fragment)\""), "no link to the finding's sockets: \(finding)")
            let opened = try await offPool { try browser.dumpDOM(url + fragment) }
            let panel = try #require(Self.element(from: "<div id=\"finding-sockets\"", containing: "", in: opened))
            #expect(!panel.contains("<div id=\"finding-sockets\" hidden"), "the list stayed hidden")
            #expect(panel.components(separatedBy: "<td>CLOSE_WAIT</td>").count - 1 == 12, "\(panel)")
            #expect(panel.components(separatedBy: "<td>LISTEN</td>").count - 1 == 1, "\(panel)")
            #expect(panel.contains("held by pid \(holder.pid) with local port \(holder.port)"), "\(panel)")
            #expect(panel.contains("CLOSE_WAIT 12, LISTEN 1"), "\(panel)")

            let shot = try testArtifactsDirectory().appendingPathComponent("web-page.png").path
            try await offPool { try browser.screenshot(url + fragment, to: shot) }
            print("The page's screenshot: \(shot)")
            let size = (try FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
            #expect(size > 10_000, "a screenshot of \(size) bytes is blank")
        }
    }

    /// A process that names itself with markup: the browser shows the name as text (escaped in
    /// the serialized DOM), and no element of the name's making exists.
    @Test(.enabled(if: HeadlessChromium.testsEnabled, "chromium is not installed (and CI is not set)"))
    func aHostileCommandNameShowsAsText() async throws {
        let browser = try HeadlessChromium.require()
        // 15 bytes, the most a command name holds: the markup and four digits of its own.
        let digits = String(1000 + UInt32.random(in: 0..<9000))
        let name = "<img src=x>" + digits
        let holder = try CloseWaitHolder(command: name, sockets: 1)
        defer { withExtendedLifetime(holder) {} }
        try await withServeProcess(minimumInterval: 0.2) { port in
            let (dom, row) = try await Self.render("http://127.0.0.1:\(port)/", browser, pid: holder.pid) { _, row in
                row["CLOSE_WAIT"] == "1"
            }
            let cells = try #require(row, "no row for pid \(holder.pid) in the rendered table")
            #expect(cells["command"] == "&lt;img src=x&gt;" + digits)
            #expect(cells["CLOSE_WAIT"] == "1")
            #expect(!dom.contains("<img"), "an element was made of a process's name")
        }
    }

    @Test func thePageAndTheTimelineAreServedWithTheirTypes() async throws {
        try await withLiveServer(minimumInterval: 60) { port, cache in
            let page = try await offPool { try HTTPExchange.send("GET", "/", port: port) }
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["x-content-type-options"] == "nosniff")
            let policy = try #require(page.headers["content-security-policy"])
            #expect(policy.hasPrefix("default-src 'none'; "))
            #expect(policy.contains("connect-src 'self'"))
            #expect(!policy.contains("unsafe"))
            // One nonce for the one script and the one style, and a new one per response.
            let nonce = try #require(Self.nonce(in: policy))
            #expect(page.body.contains("<script nonce=\"\(nonce)\">"))
            #expect(page.body.contains("<style nonce=\"\(nonce)\">"))
            #expect(page.body.components(separatedBy: "<script").count == 2)
            let again = try await offPool { try HTTPExchange.send("GET", "/", port: port) }
            #expect(again.headers["content-security-policy"].flatMap(Self.nonce) != nonce)
            // The page alone takes no snapshot.
            #expect(cache.statistics.snapshots == 0)

            let head = try await offPool { try HTTPExchange.send("HEAD", "/", port: port) }
            #expect(head.status == 200)
            #expect(head.headers["content-type"] == "text/html; charset=utf-8")
            #expect(head.body.isEmpty)
            let post = try await offPool { try HTTPExchange.send("POST", "/", port: port, body: "x=1") }
            #expect(post.status == 405)
            #expect(post.headers["allow"] == "GET, HEAD")

            let states = try await Self.document("/api/states", port: port)
            let timeline = try await Self.document("/api/timeline", port: port)
            #expect(timeline["capacity"] as? Int == 720)
            #expect(timeline["grouping"] as? String == "command")
            #expect((timeline["states"] as? [String])?.count == 11)
            let points = try #require(timeline["points"] as? [[String: Any]])
            // Both documents came from the one snapshot, which made the one point.
            #expect(points.count == 1)
            let point = try #require(points.last)
            #expect(point["ok"] as? Bool == true)
            #expect(point["total"] as? Int == states["total"] as? Int)
            let takenAt = try #require(states["taken_at"] as? Double)
            let time = try #require(point["time"] as? Double)
            #expect(abs(time - takenAt) < 0.002)
            #expect((point["states"] as? [Int])?.reduce(0, +) == point["total"] as? Int)
            #expect(((point["groups"] as? [Any])?.count ?? 99) <= 10)

            let after = try await Self.document("/api/timeline?since=\(time)", port: port)
            #expect((after["points"] as? [Any])?.isEmpty == true)
            let bad = try await offPool { try HTTPExchange.send("GET", "/api/timeline?since=yesterday", port: port) }
            #expect(bad.status == 400)
            #expect(bad.body.contains("\"code\":\"usage\""))
            let headTimeline = try await offPool { try HTTPExchange.send("HEAD", "/api/timeline", port: port) }
            #expect(headTimeline.status == 200)
            #expect(headTimeline.headers["content-type"] == "application/json")
        }
    }

    /// The page builds its DOM from host text with `textContent` only, and reaches nothing
    /// outside the server: no markup sinks, no external URL, no script or style from elsewhere.
    @Test func thePageHasNoMarkupSinksAndNoExternalURL() async throws {
        try await withLiveServer(minimumInterval: 60) { port, _ in
            let page = try await offPool { try HTTPExchange.send("GET", "/", port: port) }.body
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                #expect(!page.contains(sink), "the page uses \(sink)")
            }
            #expect(!page.contains(" src="), "the page loads something")
            #expect(!page.contains("style=\""), "a style attribute, which the policy blocks")
            // The one absolute URL is SVG's namespace name, which is never fetched.
            let urls = page.components(separatedBy: "http").dropFirst().map { "http" + $0.prefix(30) }
            #expect(urls.allSatisfy { $0.hasPrefix("http://www.w3.org/2000/svg") }, "\(urls)")
            #expect(!page.contains("//cdn") && !page.contains("https:"))
        }
    }

    // Helpers -----------------------------------------------------------------------------------

    /// Renders `url` until the table has the row of `pid` and `done` holds for it, or 120 s pass
    /// (a debug build on two cores busy with the whole suite renders slowly).
    static func render(
        _ url: String,
        _ browser: HeadlessChromium,
        pid: Int32,
        until done: (_ dom: String, _ row: [String: String]) -> Bool
    ) async throws -> (dom: String, row: [String: String]?) {
        let deadline = Date().addingTimeInterval(120)
        while true {
            let dom = try await offPool { try browser.dumpDOM(url) }
            let row = try processRow(in: dom, pid: pid)
            if let row, done(dom, row) { return (dom, row) }
            if Date() > deadline { return (dom, row) }
        }
    }

    /// The cells of the process table's row of `pid` by column key, as serialized (escaped) text.
    static func processRow(in dom: String, pid: Int32) throws -> [String: String]? {
        guard let body = dom.range(of: "<tbody id=\"processes-body\">") else { return nil }
        let rows = dom[body.upperBound...]
        guard let start = rows.range(of: "<tr data-pid=\"\(pid)\">") else { return nil }
        guard let end = rows[start.upperBound...].range(of: "</tr>") else { return nil }
        let cells = try Regex(#"<td[^>]*data-key="([^"]+)"[^>]*>([^<]*)</td>"#)
        var found: [String: String] = [:]
        for match in rows[start.upperBound..<end.lowerBound].matches(of: cells) {
            guard let key = match.output[1].substring, let value = match.output[2].substring else { continue }
            found[String(key)] = String(value)
        }
        return found
    }

    /// The value of the attribute that `start` opens (`data-id="` and the value's beginning).
    static func attribute(after start: String, in dom: String) -> String? {
        guard let range = dom.range(of: start), let quote = start.firstIndex(of: "\"") else { return nil }
        let opened = start[start.index(after: quote)...]
        return dom[range.upperBound...].split(separator: "\"", maxSplits: 1).first.map { String(opened) + $0 }
    }

    /// The serialized element that begins with `opening` and contains `text`, up to the first end
    /// tag of its name: the whole element when none of its kind is nested inside, else its start.
    static func element(from opening: String, containing text: String, in dom: String) -> String? {
        var rest = dom[...]
        while let start = rest.range(of: opening) {
            let tag = opening.dropFirst().prefix { $0 != " " && $0 != ">" }
            guard let end = rest[start.lowerBound...].range(of: "</\(tag)>") else { return nil }
            let element = String(rest[start.lowerBound..<end.upperBound])
            if text.isEmpty || element.contains(text) { return element }
            rest = rest[end.upperBound...]
        }
        return nil
    }

    static func document(_ path: String, port: UInt16) async throws -> [String: Any] {
        let response = try await offPool { try HTTPExchange.send("GET", path, port: port) }
        #expect(response.status == 200, "\(path)")
        #expect(response.headers["content-type"] == "application/json", "\(path)")
        let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8))
        return try #require(object as? [String: Any], "\(path) is not a JSON object")
    }

    /// The nonce of a policy's `script-src 'nonce-...'`.
    static func nonce(in policy: String) -> String? {
        guard let start = policy.range(of: "script-src 'nonce-") else { return nil }
        return policy[start.upperBound...].split(separator: "'").first.map(String.init)
    }
}
