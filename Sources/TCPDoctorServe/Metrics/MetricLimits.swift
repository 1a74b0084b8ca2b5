/// What bounds the exposition whatever the host: the top K of each family, a global series cap,
/// and whether process groups are split by pid.
public struct MetricLimits: Hashable, Sendable {
    /// Keys kept per family (namespaces, commands, ports, destinations, findings); the rest are
    /// summed into `other`.
    public var top: Int
    /// The most series one exposition holds, self-metrics included.
    public var maxSeries: Int
    /// Whether process groups are per process (`pid` label) rather than per command.
    public var pidLabels: Bool

    /// The smallest `maxSeries` that leaves room past the self-metrics.
    public static let minimumMaxSeries = 100

    public init(top: Int = 20, maxSeries: Int = 2000, pidLabels: Bool = false) {
        self.top = top
        self.maxSeries = maxSeries
        self.pidLabels = pidLabels
    }
}

/// Splits ranked keys into the top K and the rest.
enum TopK {
    /// The first `limit` of `keys` when ranked by `heavier` (a strict total order, heaviest
    /// first), and the others.
    static func split<Key>(_ keys: [Key], limit: Int, by heavier: (Key, Key) -> Bool) -> (kept: [Key], folded: [Key]) {
        let ranked = keys.sorted(by: heavier)
        return (Array(ranked.prefix(max(0, limit))), Array(ranked.dropFirst(max(0, limit))))
    }
}
