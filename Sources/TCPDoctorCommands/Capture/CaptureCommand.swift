import ArgumentParser
import Glibc
import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorOutput

/// `tcpdoctor capture FILE...`: rebuild both endpoints' TCP state timelines from captures.
struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract:
            "Analyse pcap and pcapng captures: who closed each connection first, who sat in CLOSE_WAIT and how long, which late FIN met RST.",
        // The generated usage lists every option on one line of 266 columns; they are listed below.
        usage: "tcpdoctor capture [<options>] <FILE> ...",
        discussion: """
            Several files are read in order as one capture cut in pieces (tcpdump -C or -G); \
            packet numbers count on across them. `-` reads standard input.

            Filters keep the connections that every output shows (the summary counts only them), \
            for example:

              --ended close_wait,late_fin_reset   --closer responder   --host 10.0.0.0/8
              --port 8080   --min-close-wait 5   --filter 'dst 10.0.0.9 and dport = :8080'

            --filter speaks the language of `tcpdoctor sockets` with the originator as src/sport \
            and the responder as dst/dport; `state close-wait` keeps connections in which either \
            endpoint was ever in CLOSE_WAIT.

            --ladder N draws the N-th connection of --connections (same filters); --ladder FILTER \
            the first connection that matches the filter. --svg FILE also writes it as a picture.

            Exit status: 0 when the capture was read (a truncated last record is a warning), 2 for \
            bad input (not a capture, a corrupt block, an unreadable file; the connections before the \
            problem are still reported), 4 for a --ladder that matches no connection, 64 for a \
            usage error.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "pcap or pcapng files, read in order as one capture; - for standard input.",
            valueName: "FILE"
        )
    )
    var files: [String] = []

    @OptionGroup var output: OutputOptions

    @Flag(help: "List every connection in a table instead of the summary.")
    var connections = false

    @Flag(
        help:
            "Write Zeek's conn.log instead of the summary: TSV with Zeek's header, or JSON lines with --json (docs/zeek.md)."
    )
    var zeek = false

    @Option(
        help: ArgumentHelp(
            "Draw the ladder diagram of one connection: its number in --connections, or a filter such as 'sport = :43210'.",
            valueName: "N|FILTER"
        )
    )
    var ladder: String?

    @Option(
        help: ArgumentHelp("With --ladder, also write the diagram as an SVG picture to this file.", valueName: "FILE")
    )
    var svg: String?

    @Option(
        name: .customLong("ended"),
        help: ArgumentHelp(
            "Only connections that ended so (repeatable, or comma-separated): \(Connection.Ending.allCases.map(\.rawValue).joined(separator: ", ")).",
            valueName: "ENDING"
        )
    )
    var endings: [String] = []

    @Option(
        name: .customLong("closer"),
        help: ArgumentHelp("Only connections closed first by: originator, responder, both, none.", valueName: "SIDE")
    )
    var closers: [String] = []

    @Option(
        name: .customLong("host"),
        help: ArgumentHelp(
            "Only connections with this address (or ADDRESS/PREFIX) at either end (repeatable).",
            valueName: "ADDRESS"
        )
    )
    var hosts: [String] = []

    @Option(
        name: .customLong("port"),
        help: ArgumentHelp("Only connections with this port at either end (repeatable).", valueName: "PORT")
    )
    var ports: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only connections in which one side held CLOSE_WAIT at least this long.",
            valueName: "SECONDS"
        )
    )
    var minCloseWait: Double?

    @Option(help: ArgumentHelp("Only connections that match this ss-style expression.", valueName: "EXPRESSION"))
    var filter: String?

    @Option(
        help: ArgumentHelp(
            "The tcp_fin_timeout assumed for the hosts, to place an orphaned FIN_WAIT2's expiry on the timeline.",
            valueName: "SECONDS"
        )
    )
    var finTimeout: Int = 60

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one capture file, or - for standard input") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        if svg != nil && ladder == nil {
            throw ValidationError("--svg draws the --ladder diagram: give --ladder N or --ladder FILTER too")
        }
        if ladder != nil && output.json {
            throw ValidationError("--ladder draws one connection for people; use --json without it")
        }
        if ladder != nil && connections {
            throw ValidationError("--ladder and --connections are separate views: choose one")
        }
        if ladder != nil && files.contains("-") {
            throw ValidationError(
                "--ladder reads the capture twice, which standard input cannot do: save it to a file first"
            )
        }
        if zeek && (connections || ladder != nil) {
            throw ValidationError(
                "--zeek writes every connection as Zeek's conn.log: leave out --connections and --ladder"
            )
        }
        if finTimeout < 1 { throw ValidationError("--fin-timeout takes a number of seconds, 1 or more") }
        do {
            _ = try connectionFilter()
            _ = try ladderSelection()
        } catch {
            throw ValidationError(String(describing: error))
        }
    }

    func connectionFilter() throws(ConnectionFilterError) -> ConnectionFilter {
        try ConnectionFilter(
            endings: endings,
            closers: closers,
            hosts: hosts,
            ports: ports,
            minimumCloseWaitSeconds: minCloseWait,
            expression: filter
        )
    }

    func ladderSelection() throws(CaptureUsageError) -> Ladder.Selection? {
        guard let ladder else { return nil }
        if let index = Int(ladder) {
            guard index >= 1 else {
                throw CaptureUsageError("--ladder N counts from 1, as --connections numbers connections")
            }
            return .index(index)
        }
        do {
            return .filter(try ConnectionFilter.parse(ladder, option: "--ladder"))
        } catch {
            throw CaptureUsageError(error.description)
        }
    }

    func run() throws {
        let filter = try connectionFilter()
        // Without filters, connections skip `matches`, which compares the filter's fields each time.
        let filtering = filter.isActive
        if files.contains("-") && isatty(0) == 1 {
            throw CommandFailure(
                ExitStatus.badInput,
                "standard input is a terminal: pipe a capture into `tcpdoctor capture -`, or give a file"
            )
        }
        // The summary shows no Zeek columns: without them the analysis runs a fourteenth fewer
        // instructions. JSON, the table and the ladder show them.
        let configuration = ConnectionAnalyzer.Configuration(
            finTimeout: .seconds(finTimeout),
            zeekColumns: output.json || connections || zeek || ladder != nil
        )
        let progress = CaptureProgress.forStandardError()
        let style = TerminalStyle.forDescriptor(1)
        let warn: (CaptureError) -> Void = { Diagnostics.warn($0.description) }
        if let selection = try ladderSelection() {
            try LadderCommand(files: files, filter: filter, configuration: configuration, svgPath: svg)
                .run(selection, progress: progress, style: style)
            return
        }
        var summary = CaptureSummary()
        let outcome: CaptureAnalysis.Outcome
        if zeek {
            outcome = Self.writeConnLog(
                files: files,
                configuration: configuration,
                json: output.json,
                filter: filtering ? filter : nil,
                progress: progress,
                onWarning: warn
            )
        } else if output.json {
            var document = CaptureJSONDocument(files: files, out: OutputBuffer())
            outcome = CaptureAnalysis.run(
                paths: files,
                configuration: configuration,
                observer: progress.observer(onWarning: warn),
                onConnection: { connection in
                    guard !filtering || filter.matches(connection) else { return }
                    summary.add(connection)
                    document.add(connection)
                }
            )
            document.finish(outcome: outcome, summary: summary, filtered: filter.isActive)
        } else if connections {
            var out = OutputBuffer()
            var table = ConnectionsTable()
            outcome = CaptureAnalysis.run(
                paths: files,
                configuration: configuration,
                observer: progress.observer(onWarning: warn),
                onConnection: { connection in
                    guard !filtering || filter.matches(connection) else { return }
                    table.append(connection, to: &out, style: style)
                }
            )
            if outcome.hasReport { table.finish(to: &out, style: style) }
            out.flush()
        } else {
            outcome = CaptureAnalysis.run(
                paths: files,
                configuration: configuration,
                observer: progress.observer(onWarning: warn),
                onConnection: { connection in
                    if !filtering || filter.matches(connection) { summary.add(connection) }
                }
            )
            if outcome.hasReport {
                var out = OutputBuffer()
                CaptureReport.write(summary, outcome: outcome, filter: filter, style: style, to: &out)
                out.flush()
            }
        }
        try Self.exit(for: outcome)
    }

    /// `--zeek`: every connection (that passes `filter`) as a conn.log row, as it finishes.
    static func writeConnLog(
        files: [String],
        configuration: ConnectionAnalyzer.Configuration,
        json: Bool,
        filter: ConnectionFilter?,
        progress: CaptureProgress,
        onWarning: @escaping (CaptureError) -> Void
    ) -> CaptureAnalysis.Outcome {
        var out = OutputBuffer()
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let opened = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        if !json { out.write(ZeekConnLog.header(openedNanoseconds: opened)) }
        let outcome = CaptureAnalysis.run(
            paths: files,
            configuration: configuration,
            observer: progress.observer(onWarning: onWarning),
            onConnection: { connection in
                if let filter, !filter.matches(connection) { return }
                out.write(json ? ZeekConnLog.jsonLine(connection) : ZeekConnLog.tsvLine(connection))
            }
        )
        if !json {
            clock_gettime(CLOCK_REALTIME, &now)
            out.write(ZeekConnLog.footer(closedNanoseconds: Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)))
        }
        out.flush()
        return outcome
    }

    /// Prints the error that stopped reading, if any, and exits 2 for it.
    static func exit(for outcome: CaptureAnalysis.Outcome) throws {
        guard let error = outcome.error else { return }
        Diagnostics.error(error.description)
        if outcome.statistics.tcpSegments > 0 {
            Diagnostics.note(
                "The report covers the \(CaptureText.count(outcome.statistics.packets)) packets read before this problem."
            )
        }
        throw ExitStatus.badInput
    }
}

/// A mistake on the capture command line, turned into argument-parser's `ValidationError` (exit 64).
struct CaptureUsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
