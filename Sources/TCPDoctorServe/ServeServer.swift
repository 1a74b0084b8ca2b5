import Glibc
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `tcpdoctor serve` as a library call: the HTTP server over one snapshot cache, run in a
/// ServiceGroup that stops it gracefully on SIGTERM and SIGINT.
public enum ServeServer {
    /// Serves until SIGTERM or SIGINT (then returns) or a failure to listen (then throws).
    ///
    /// - Parameters:
    ///   - configuration: Where to listen, the cache period, the metric bounds.
    ///   - cache: The snapshot cache; made from `configuration` when nil.
    ///   - recorder: Records the cache's snapshots into a history database (`--record`), as a
    ///     service of the same group: it stops with the server.
    ///   - signals: The signals that stop the server gracefully; none for an in-process test,
    ///     which stops it by cancelling its task.
    ///   - onListening: Called once with the address bound (the port the kernel chose for port 0).
    /// - Throws: `ServeError` when the address cannot be listened on.
    public static func run(
        _ configuration: ServeConfiguration,
        cache: SnapshotCache? = nil,
        recorder: (@Sendable (SnapshotCache) -> ServeRecorder)? = nil,
        signals: [UnixSignal] = [.sigterm, .sigint],
        onListening: @escaping @Sendable (ListenAddress) -> Void = { _ in }
    ) async throws(ServeError) {
        let cache =
            cache
            ?? SnapshotCache(
                minimumInterval: configuration.minimumInterval,
                limits: configuration.limits,
                trend: configuration.trend,
                namespaces: configuration.namespaces
            )
        var logger = Logger(label: "tcpdoctor-serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let listen = configuration.listen
        let application = Application(
            router: ServeRouter.make(
                cache,
                history: configuration.history.map {
                    HistoryTimeline(path: $0, pidLabels: configuration.limits.pidLabels)
                }
            ),
            // A client that has not sent a whole request within the timeout (slow, or idle between
            // requests) is dropped; headers beyond Hummingbird's 80 KiB and announced bodies past
            // 64 KiB are refused.
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [RequestBodyLimit()],
                    idleTimeout: .milliseconds(Int64((configuration.clientTimeout * 1000).rounded()))
                )
            ),
            configuration: .init(
                address: .hostname(listen.host, port: Int(listen.port)),
                serverName: "tcpdoctor",
                // SO_REUSEADDR would let a second serve bind a port that one still holds in
                // TIME_WAIT only; it never lets two listen at once, which is what EADDRINUSE tells.
                reuseAddress: true
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port.map(UInt16.init) ?? listen.port
                onListening(ListenAddress(host: listen.host, port: port))
            },
            logger: logger
        )
        var services: [any Service] = [application]
        if let recorder { services.append(recorder(cache)) }
        do {
            let group = ServiceGroup(
                configuration: .init(
                    services: services,
                    gracefulShutdownSignals: signals,
                    logger: logger
                )
            )
            try await group.run()
        } catch {
            throw listenError(error, listen)
        }
    }

    /// The sentence for a failure to bind or listen.
    static func listenError(_ error: any Error, _ listen: ListenAddress) -> ServeError {
        // ServiceLifecycle rethrows what a service threw: NIO's IOError from bind(2) or listen(2).
        guard let io = error as? IOError else {
            return ServeError(.listenFailed, "Could not serve on \(listen): \(error).")
        }
        switch io.errnoCode {
        case EADDRINUSE:
            return ServeError(
                .addressInUse,
                "Could not listen on \(listen): the port is in use by another socket; stop that process "
                    + "or choose another port with --listen ADDRESS:PORT."
            )
        case EADDRNOTAVAIL:
            return ServeError(
                .addressUnavailable,
                "Could not listen on \(listen): \(listen.host) is not an address of this host (`ip address` lists them)."
            )
        case EACCES:
            return ServeError(
                .permissionDenied,
                "Could not listen on \(listen): ports below 1024 need root or CAP_NET_BIND_SERVICE; "
                    + "choose a port from 1024 up (the default is \(ListenAddress.defaultPort))."
            )
        default:
            return ServeError(.listenFailed, "Could not listen on \(listen): \(io).")
        }
    }
}
