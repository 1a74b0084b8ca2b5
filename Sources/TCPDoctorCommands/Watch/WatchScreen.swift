import Glibc
import TCPDoctorCore
import TCPDoctorSystem

/// `watch` on a terminal: the full-screen view, redrawn at every refresh, on every key and at
/// every resize, until q, Ctrl-C or a signal ends it.
enum WatchScreen {
    /// Runs the view until it ends; the terminal is restored on every way out.
    ///
    /// - Throws: `ExitCode` 128 + the signal for SIGTERM, SIGHUP, SIGINT and SIGQUIT from outside
    ///   (Ctrl-C is a key here and ends with 0, as q does); `CommandFailure` when the system or the
    ///   terminal cannot be read.
    static func run(_ loop: WatchLoop) throws {
        let terminal = try TerminalSession()
        defer { terminal.restore() }
        var screen = State()
        screen.keys.filter = loop.filterText
        screen.frame = try loop.refresh()
        draw(screen, on: terminal)
        var tick = loop.nextTick()
        while true {
            if loop.isDone { return }
            let timeout = screen.paused ? nil : tick - systemMonotonicSeconds()
            for event in terminal.wait(timeout: timeout) {
                switch event {
                case .signal(SIGWINCH): break
                case .signal(let signal): throw ExitStatus.stopped(by: signal)
                case .hangUp: throw ExitStatus.stopped(by: SIGHUP)
                case .timeout: break
                case .keys(let bytes):
                    for action in screen.keys.handle(bytes) {
                        if apply(action, to: &screen, loop) { return }
                    }
                }
            }
            if !screen.paused && systemMonotonicSeconds() >= tick {
                screen.frame = try loop.refresh()
                tick = loop.nextTick()
            }
            draw(screen, on: terminal)
        }
    }

    /// What the screen shows besides the frame.
    struct State {
        var frame: WatchFrame?
        var keys = WatchKeys()
        var paused = false
        /// The last filter that did not parse, with its error, until the next key.
        var filterError: String?
    }

    /// Does what a key asked; returns true to quit (q and Ctrl-C alike end with status 0, as in top).
    private static func apply(_ action: WatchKeys.Action, to screen: inout State, _ loop: WatchLoop) -> Bool {
        // A filter's error stays on the bottom line until the next key.
        screen.filterError = nil
        switch action {
        case .quit:
            return true
        case .togglePause:
            screen.paused.toggle()
            if !screen.paused { loop.resume() }
            return false
        case .moveSort(let steps):
            if let table = screen.frame?.table { loop.sort = table.column(after: loop.sort, steps: steps) }
        case .nextGrouping:
            loop.grouping = WatchKeys.grouping(after: loop.grouping)
            if loop.sort == .fdUse && loop.grouping != .process { loop.sort = .total }
        case .applyFilter(let text):
            do {
                try loop.setFilter(text)
                screen.keys.filter = loop.filterText
                screen.filterError = nil
            } catch {
                // One line: the message and where in the text it went wrong (the caret of the
                // command line's message needs two lines the bottom line does not have).
                screen.filterError =
                    "filter not applied: \(error.message) (at character \(error.offset + 1) of '\(error.text)')"
            }
        case .redraw:
            return false
        }
        if let frame = loop.redraw() { screen.frame = frame }
        return false
    }

    /// The whole screen: header, table clipped to the size, and the bottom line.
    static func draw(_ screen: State, on terminal: TerminalSession) {
        let (rows, columns) = terminal.size
        guard let frame = screen.frame else { return }
        var lines = WatchText.header(frame, paused: screen.paused, coverage: true)
        lines.append("")
        let bodyRoom = max(0, rows - lines.count - 1)
        var body = screen.keys.mode == .help ? help : WatchText.table(frame.table)
        if body.count > bodyRoom {
            body = Array(body.prefix(max(0, bodyRoom - 1)))
            let hidden = (screen.keys.mode == .help ? help.count : frame.table.rows.count + 1) - body.count
            if bodyRoom > 0 { body.append("... \(hidden) more lines") }
        }
        lines += body
        lines = Array(lines.prefix(max(0, rows - 1)))
        var text = "\u{1B}[H"
        for (index, line) in lines.enumerated() {
            let clipped = clip(line, to: columns)
            // The table's heading stands out in reverse video.
            let isHeading = screen.keys.mode != .help && index == lines.count - body.count && !body.isEmpty
            text += (isHeading ? "\u{1B}[7m" + clipped + "\u{1B}[0m" : clipped) + "\u{1B}[K\r\n"
        }
        text += "\u{1B}[J"
        text += "\u{1B}[\(rows);1H" + clip(bottomLine(screen), to: columns) + "\u{1B}[K"
        terminal.write(text)
    }

    /// The line editor, a filter's error, or the key hints.
    static func bottomLine(_ screen: State) -> String {
        if case .editingFilter(let text) = screen.keys.mode {
            return TextEscaping.escaped("filter: \(text)_  (Enter applies, Esc cancels)")
        }
        if let error = screen.filterError { return TextEscaping.escaped(error) }
        return "q quit  space pause  s < > sort  g group  / filter  ? help"
    }

    /// `line` cut to `columns` characters.
    static func clip(_ line: String, to columns: Int) -> String {
        line.count <= columns ? line : String(line.prefix(max(0, columns)))
    }

    static let help = [
        "tcpdoctor watch: keys",
        "",
        "  q, Ctrl-C   quit (the terminal is restored)",
        "  space       pause or resume the refreshes",
        "  s, >        sort by the next column; <  by the previous one (* marks it)",
        "  g           group by process, local port, remote address, netns in turn",
        "  /           edit the filter (ss-style, as `tcpdoctor sockets`): Enter applies, Esc cancels",
        "  ?           this help; ? or Esc closes it",
        "",
        "Columns: counts per state, Total, +Last (change since the previous refresh),",
        "+Start (change since the view began), FD use (open fds of the soft limit).",
        "Header: totals per state, processes, unattributed sockets, skipped ticks (refreshes that",
        "overran their interval), the CPU one refresh cost and whether its owner walk was full.",
    ]
}
