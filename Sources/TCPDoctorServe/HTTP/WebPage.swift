/// The page at `/`: one self-contained HTML document, its style and script inline.
///
/// Compiled into the binary as strings, not a SwiftPM resource bundle, which would have to be
/// installed beside the binary; and with no external URL at all, since the hosts it diagnoses
/// often have no internet. The script fetches `/api/findings`, `/api/states?by=process` and
/// `/api/timeline` every few seconds and builds the page from them. Everything a host chose
/// (process names, finding text) goes into the page through `textContent` or `setAttribute`,
/// never as markup, so a process named `<script>` shows as that text (docs/web.md).
enum WebPage {
    /// The document, with `nonce` on its one `<style>` and its one `<script>`.
    ///
    /// - Parameter nonce: The Content-Security-Policy nonce of this response (`makeNonce()`).
    static func html(nonce: String) -> String {
        head + "<style nonce=\"\(nonce)\">\n" + style + "</style>\n</head>\n" + body
            + "<script nonce=\"\(nonce)\">\n" + script + "</script>\n</body>\n</html>\n"
    }

    /// 128 random bits as 32 hex digits, fresh per response: a second line of defence, since a
    /// script smuggled into the page could not know the nonce (the first is that host text is
    /// never parsed as markup).
    static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        var nonce = ""
        for _ in 0..<4 {
            var word = generator.next() as UInt32
            for _ in 0..<8 {
                nonce.append(digits[Int(word & 0xf)])
                word >>= 4
            }
        }
        return nonce
    }

    static let head = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>tcpdoctor</title>
        <link rel="icon" href="data:,">

        """#

    static let body = #"""
        <body>
        <header>
        <h1>tcpdoctor</h1>
        <span id="host"></span>
        <span id="status" role="status">loading…</span>
        </header>
        <main>
        <noscript><p>This page needs JavaScript. The same data is JSON at
        <a href="api/findings">/api/findings</a>, <a href="api/states?by=process">/api/states?by=process</a>
        and <a href="api/timeline">/api/timeline</a>.</p></noscript>

        <section id="findings-section">
        <h2>Findings</h2>
        <p id="findings-empty" class="note" hidden>No findings: the doctor sees nothing wrong on this host.</p>
        <ul id="findings"></ul>
        <div id="finding-sockets" hidden>
        <h3 id="finding-sockets-title"></h3>
        <p id="finding-sockets-note" class="note"></p>
        <div class="scroll">
        <table id="finding-sockets-table">
        <thead><tr><th>state</th><th>local</th><th>remote</th><th>recv-q</th><th>send-q</th><th>owners</th></tr></thead>
        <tbody></tbody>
        </table>
        </div>
        <p><button id="finding-sockets-close" class="link" type="button">close this list</button></p>
        </div>
        </section>

        <section id="timeline-section">
        <h2>Over time</h2>
        <p id="timeline-note" class="note"></p>
        <figure>
        <figcaption>Sockets of the host in CLOSE_WAIT and TIME_WAIT</figcaption>
        <svg id="chart-host" class="chart" viewBox="0 0 1000 220" role="img" aria-label="host sockets over time"></svg>
        <ul id="legend-host" class="legend"></ul>
        </figure>
        <figure>
        <figcaption>Sockets of the processes that hold the most</figcaption>
        <svg id="chart-processes" class="chart" viewBox="0 0 1000 220" role="img" aria-label="sockets per process over time"></svg>
        <ul id="legend-processes" class="legend"></ul>
        </figure>
        </section>

        <section id="processes-section">
        <h2>Sockets by process</h2>
        <div class="controls">
        <label>Filter <input id="filter" type="search" placeholder="command or pid" autocomplete="off"></label>
        <span id="processes-count" class="note"></span>
        </div>
        <div class="scroll">
        <table id="processes">
        <thead><tr id="processes-head"></tr></thead>
        <tbody id="processes-body"></tbody>
        </table>
        </div>
        <p class="note">Click a column to sort by it (again to reverse). A socket held by several processes counts
        in each. Sockets without an owner (TIME_WAIT, orphans) are their own row.</p>
        </section>
        </main>
        <footer>
        tcpdoctor serve. The JSON behind this page: <a href="api/findings">/api/findings</a>,
        <a href="api/states?by=process">/api/states?by=process</a>, <a href="api/timeline">/api/timeline</a>,
        <a href="api/sockets">/api/sockets</a>; metrics at <a href="metrics">/metrics</a>.
        </footer>

        """#
}
