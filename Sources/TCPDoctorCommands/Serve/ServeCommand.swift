import ArgumentParser
import Dispatch
import Synchronization
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorLinux
import TCPDoctorServe
import TCPDoctorSystem

/// `tcpdoctor serve`: Prometheus metrics, the JSON documents and a web page over HTTP, loopback by default.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Prometheus metrics, the JSON documents and a web page over HTTP (127.0.0.1:8273 by default).",
        usage: "tcpdoctor serve [--listen ADDRESS:PORT] [<options>]",
        discussion: """
            Endpoints: / (a web page), /metrics (Prometheus text, or OpenMetrics when asked for), \
            /api/sockets, /api/states (?by=process|local-port|remote|netns), /api/findings, \
            /api/timeline (the recent snapshots, ?since=SECONDS), /healthz. GET and HEAD \
            only; nothing changes the host. Scrapes within --min-interval share one snapshot. SIGTERM \
            or SIGINT stops it with status 0; an address it cannot listen on exits with 8. With \
            --record it also samples into the history database as `record` does (the scrapes and the \
            samples share snapshots; a second recorder on the database exits with 7), and with --db or \
            --record the page's chart reads that database. Metric names: docs/metrics.md.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Where to listen: a literal IP address and a port; [::1]:PORT for IPv6. Beyond loopback, "
                + "put it behind a TLS reverse proxy (README).",
            valueName: "ADDRESS:PORT"
        )
    )
    var listen = ListenAddress.standard.description

    @Option(name: .customLong("min-interval"), help: "Seconds one snapshot serves every request.")
    var minInterval: Double = 5

    @Option(name: .customLong("max-series"), help: "The most series one /metrics answer holds, self-metrics included.")
    var maxSeries = MetricLimits().maxSeries

    @Option(
        help: "Keys kept per metric family (commands, ports, destinations, namespaces, findings); the rest is `other`."
    )
    var top = MetricLimits().top

    @Flag(name: .customLong("pid-labels"), help: "Group processes per pid (a `pid` label) rather than per command.")
    var pidLabels = false

    @Option(
        name: .customLong("trend-window"),
        help: ArgumentHelp(
            "Seconds of snapshots the fd-limit forecast fits (tcpdoctor_process_fd_limit_seconds).",
            valueName: "SECONDS"
        )
    )
    var trendWindow = TrendOptions().window

    @Option(
        name: .customLong("client-timeout"),
        help: ArgumentHelp(
            "Seconds a client may take to send a request, or stay idle between requests, before its connection is closed.",
            valueName: "SECONDS"
        )
    )
    var clientTimeout: Double = 30

    @Flag(
        help:
            "Record the snapshots into the history database as `tcpdoctor record` does, sharing them with the scrapes."
    )
    var record = false

    @Option(
        help: ArgumentHelp(
            "The history database the page's chart reads (and --record writes); default with --record: record's.",
            valueName: "PATH"
        )
    )
    var db: String?

    @Option(
        name: .customLong("record-interval"),
        help: ArgumentHelp("Seconds between recorded samples (default 10).", valueName: "SECONDS")
    )
    var recordInterval: Double?

    @OptionGroup var retention: RetentionOptions

    @OptionGroup var namespace: NamespaceOptions

    func validate() throws {
        do { _ = try ListenAddress(parsing: listen) } catch { throw ValidationError(error.message) }
        guard minInterval >= 0, minInterval.isFinite else {
            throw ValidationError("--min-interval must be a number of seconds, 0 or more.")
        }
        guard maxSeries >= MetricLimits.minimumMaxSeries else {
            throw ValidationError("--max-series must be at least \(MetricLimits.minimumMaxSeries).")
        }
        guard top >= 1 else { throw ValidationError("--top must be at least 1.") }
        guard clientTimeout >= 0.1, clientTimeout <= 3600 else {
            throw ValidationError("--client-timeout must be between 0.1 and 3600 seconds.")
        }
        if record {
            let recordInterval = recordInterval ?? 10
            guard recordInterval >= max(0.1, minInterval), recordInterval.isFinite else {
                throw ValidationError(
                    "--record-interval must be at least --min-interval (\(minInterval) s) and 0.1 s: one snapshot serves "
                        + "every request and sample within --min-interval."
                )
            }
            _ = try retention.settings()
        } else if !retention.isDefault || recordInterval != nil {
            throw ValidationError(
                "--record-interval, --retention and --max-size apply to the recording of --record; add --record."
            )
        }
        guard trendWindow >= 10, trendWindow.isFinite else {
            throw ValidationError("--trend-window must be at least 10 seconds.")
        }
    }

    private var trendOptions: TrendOptions {
        var options = TrendOptions()
        options.window = trendWindow
        return options
    }

    func run() throws {
        // Long-running, like record: snapshots are built on the cache's queue and dropped elsewhere.
        Sampler.useOneMallocArena()
        let configuration = ServeConfiguration(
            listen: try ListenAddress(parsing: listen),
            minimumInterval: minInterval,
            limits: MetricLimits(top: top, maxSeries: maxSeries, pidLabels: pidLabels),
            trend: trendOptions,
            namespaces: namespace.namespaces,
            clientTimeout: clientTimeout,
            history: record ? (db ?? HistoryLocation.defaultPath()) : db
        )
        // The database is opened, migrated and locked before serve listens: a second recorder
        // on it is refused (exit 7) as `record` refuses one.
        var recording: (store: HistoryStore, lock: Int32)?
        if record, let path = configuration.history {
            recording = try RecordCommand.open(path, retention: try retention.settings())
        }
        defer { if let lock = recording?.lock { closeDescriptor(lock) } }
        let recorder = recording.map { opened in
            let box = UncheckedBox(opened.store)
            let interval = recordInterval ?? 10
            return { @Sendable (cache: SnapshotCache) in
                ServeRecorder(store: box.value, interval: interval, cache: cache)
            }
        }
        // The commands are synchronous (see `TCPDoctor`); the server is async: this thread
        // waits for it, its work runs on the event loops and the concurrency pool.
        let outcome = Mutex<ServeError?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do throws(ServeError) {
                try await ServeServer.run(configuration, recorder: recorder) { address in
                    Diagnostics.note(
                        "tcpdoctor serve: listening on http://\(address) (the page at /, /metrics, /api/sockets, "
                            + "/api/states, /api/findings, /api/timeline, /healthz)"
                    )
                }
            } catch {
                outcome.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        guard let failure = outcome.withLock({ $0 }) else { return }
        var message = failure.message
        if failure.code == .addressInUse, let holders = ListenerHolders.describe(port: configuration.listen.port) {
            message += " It is held by \(holders)."
        }
        throw CommandFailure(ExitStatus.listenFailed, message)
    }
}

/// `@unchecked Sendable`: hands the store, opened on this thread, to the recorder, which alone uses it.
private final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
