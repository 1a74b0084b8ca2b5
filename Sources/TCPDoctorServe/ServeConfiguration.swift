import TCPDoctorLinux

/// What `tcpdoctor serve` was asked to do.
public struct ServeConfiguration: Sendable {
    public var listen: ListenAddress
    /// Seconds a snapshot serves every request before the next request causes a new one.
    public var minimumInterval: Double
    public var limits: MetricLimits
    public var namespaces: SnapshotRequest.Namespaces

    public init(
        listen: ListenAddress = .standard,
        minimumInterval: Double = 5,
        limits: MetricLimits = MetricLimits(),
        namespaces: SnapshotRequest.Namespaces = .all
    ) {
        self.listen = listen
        self.minimumInterval = minimumInterval
        self.limits = limits
        self.namespaces = namespaces
    }
}
