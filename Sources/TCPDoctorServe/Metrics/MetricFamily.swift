/// One metric family of an exposition: its name, help text, type, label names and samples.
///
/// A value built anew for every snapshot, so that a series that ends (a process that exited, a
/// finding that cleared) leaves the exposition with it; see `ExpositionWriter` for why serve
/// writes the text format itself rather than through swift-prometheus.
public struct MetricFamily: Hashable, Sendable {
    /// Prometheus' metric types that serve uses.
    public enum Kind: String, Hashable, Sendable {
        case gauge
        case counter
    }

    /// The family's name; for a counter without `_total`, which its samples carry.
    public var name: String
    /// One sentence for `# HELP`.
    public var help: String
    public var kind: Kind
    /// The label names, in the order every sample gives its values.
    public var labelNames: [String]
    public var samples: [MetricSample]

    public init(_ definition: MetricDefinition, samples: [MetricSample] = []) {
        name = definition.name
        help = definition.help
        kind = definition.kind
        labelNames = definition.labelNames
        self.samples = samples
    }

    /// The name each sample is written under: `name_total` for a counter.
    public var sampleName: String { kind == .counter ? name + "_total" : name }

    /// The value of the sample with these label values, if there is one (for tests and folding).
    public func value(_ labels: [String] = []) -> Double? { samples.first { $0.labels == labels }?.value }
}

/// One series of a family: its label values (in the family's `labelNames` order) and its value.
public struct MetricSample: Hashable, Sendable {
    public var labels: [String]
    public var value: Double

    public init(_ labels: [String], _ value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// A family as declared once in `MetricCatalog`: everything but its samples.
public struct MetricDefinition: Hashable, Sendable {
    public var name: String
    public var help: String
    public var kind: Kind
    public var labelNames: [String]

    public typealias Kind = MetricFamily.Kind

    public init(_ name: String, _ kind: Kind, _ help: String, labels: [String] = []) {
        self.name = name
        self.kind = kind
        self.help = help
        labelNames = labels
    }
}
