import TCPDoctorCore
import TCPDoctorLinux

/// What `tcpdoctor serve` was asked to do.
public struct ServeConfiguration: Sendable {
    public var listen: ListenAddress
    /// Seconds a snapshot serves every request before the next request causes a new one.
    public var minimumInterval: Double
    public var limits: MetricLimits
    /// The fit of the fd forecasts (`tcpdoctor_process_fd_limit_seconds`): its window above all.
    public var trend: TrendOptions
    public var namespaces: SnapshotRequest.Namespaces
    /// Seconds a client may take to send a whole request, or leave a kept-alive connection idle,
    /// before serve closes its connection.
    public var clientTimeout: Double
    /// The history database the page's chart reads (`/api/timeline`); nil for serve's own
    /// recent snapshots, in memory.
    public var history: String?

    public init(
        listen: ListenAddress = .standard,
        minimumInterval: Double = 5,
        limits: MetricLimits = MetricLimits(),
        trend: TrendOptions = TrendOptions(),
        namespaces: SnapshotRequest.Namespaces = .all,
        clientTimeout: Double = 30,
        history: String? = nil
    ) {
        self.history = history
        self.clientTimeout = clientTimeout
        self.trend = trend
        self.listen = listen
        self.minimumInterval = minimumInterval
        self.limits = limits
        self.namespaces = namespaces
    }
}
