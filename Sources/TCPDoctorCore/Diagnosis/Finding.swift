/// One diagnosis: what is wrong, who is concerned, the evidence, why it happens and what to change.
///
/// The doctor's rules and the capture analysis both produce findings, so that every renderer
/// (terminal, JSON, metrics) prints them the same way.
public struct Finding: Hashable, Sendable {
    /// How bad a finding is; ordered so that `.critical > .warning > .info`.
    public enum Severity: Int, Hashable, Sendable, Comparable, CaseIterable {
        case info = 0
        case warning = 1
        case critical = 2

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

        /// `info`, `warning` or `critical`: the name used on the command line and in JSON.
        public var name: String {
            switch self {
            case .info: "info"
            case .warning: "warning"
            case .critical: "critical"
            }
        }

        public init?(name: String) {
            guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = match
        }
    }

    /// A process a finding is about.
    public struct Process: Hashable, Sendable {
        public var pid: Int32
        public var command: String

        public init(pid: Int32, command: String) {
            self.pid = pid
            self.command = command
        }
    }

    /// Unique within one report, such as `close-wait-leak/4242/8000`: what `related` refers to.
    ///
    /// Built by `FindingID.make` from the rule, the process (or `unknown`), the `place` and, outside
    /// the host namespace, the namespace inode; `FindingLinks.resolve` makes duplicates unique.
    public var id: String

    /// The network namespace a finding is about.
    ///
    /// The inode identifies it for machines (JSON's `netns`, the same number as a socket's); the
    /// label is for people (JSON's `netns_label`), and two namespaces can share one, such as a
    /// name under /var/run/netns that is also `host`.
    public struct Namespace: Hashable, Sendable {
        /// The inode of the namespace file, as in `net:[INODE]`.
        public var inode: UInt64
        /// Its name, `host`, `pid N` or `net:[INODE]` (see `NetworkNamespace.label`).
        public var label: String

        public init(inode: UInt64, label: String) {
            self.inode = inode
            self.label = label
        }
    }

    /// The rule's identifier, such as `close-wait-leak`.
    public var rule: String
    public var severity: Severity
    /// One line that names the problem and the culprit.
    public var summary: String
    public var processes: [Process]
    /// The network namespace concerned, if known.
    public var netns: Namespace?
    /// How many sockets, descriptors or handles the finding counts, if it counts any: within a
    /// severity, larger findings come first. Its `count` evidence, which the initializer puts first.
    public let size: Int64?
    /// Counts, peers, ports, ages and limits, in the order they should be shown.
    public var evidence: [EvidenceField]
    /// Why this happens, in a few sentences.
    public var why: String
    /// What to change, most specific first.
    public var remedies: [String]
    /// The ids of findings about the other ends of the same local connections (both ends on this host).
    public var related: [String]
    /// What the finding is about besides its processes: a listening port such as `8000`, a peer such
    /// as `10.0.0.9:8080`, or empty for the process as a whole; nil when the finding is one of a kind.
    ///
    /// Findings of one rule and one program with the same place say the same of several processes
    /// (pre-fork workers), so `FindingGroup` tells them once.
    public var place: String?

    public init(
        rule: String,
        severity: Severity,
        summary: String,
        processes: [Process] = [],
        netns: Namespace? = nil,
        size: Int64? = nil,
        evidence: [EvidenceField] = [],
        why: String,
        remedies: [String] = [],
        id: String? = nil,
        place: String? = nil,
        related: [String] = []
    ) {
        self.id = id ?? FindingID.make(rule: rule, processes: processes, place: place)
        self.rule = rule
        self.severity = severity
        self.summary = summary
        self.processes = processes
        self.netns = netns
        self.size = size
        self.evidence = size.map { [EvidenceField("count", .integer($0))] + evidence } ?? evidence
        self.why = why
        self.remedies = remedies
        self.related = related
        self.place = place
    }
}

/// One named piece of evidence, such as `count: 412`.
public struct EvidenceField: Hashable, Sendable {
    /// A snake_case key, stable for JSON consumers.
    public var key: String
    public var value: EvidenceValue

    public init(_ key: String, _ value: EvidenceValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON-like value for evidence: numbers, text, lists and nested objects.
public indirect enum EvidenceValue: Hashable, Sendable {
    case integer(Int64)
    case number(Double)
    case text(String)
    case boolean(Bool)
    case list([EvidenceValue])
    case object([EvidenceField])
}

extension EvidenceValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByFloatLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
}
