/// Everything a diagnosis rule may look at: one snapshot, the host's settings and counters, and
/// the thresholds in force.
public struct DiagnosisInput: Sendable {
    public var snapshot: Snapshot {
        // Indexes of another snapshot would mislead the rules.
        didSet { indexes = DiagnosisIndexes() }
    }
    public var host: HostFacts
    public var thresholds: Thresholds
    /// Recognises the runtimes of the processes findings name; nil leaves them as read.
    public var runtimes: RuntimeLookup?
    /// What several rules build from the snapshot, built once for all (`DiagnosisIndexes`).
    private(set) var indexes = DiagnosisIndexes()

    public init(
        snapshot: Snapshot,
        host: HostFacts = HostFacts(),
        thresholds: Thresholds = Thresholds(),
        runtimes: RuntimeLookup? = nil
    ) {
        self.snapshot = snapshot
        self.host = host
        self.thresholds = thresholds
        self.runtimes = runtimes
    }
}

/// One rule of the doctor: a pure function from what was seen to findings.
///
/// Rules never read the system; everything they need is in `DiagnosisInput`, which makes each
/// testable on a hand-built snapshot. Each rule lives in its own file under `Rules/` with its own
/// test file.
public protocol DiagnosisRule: Sendable {
    /// The rule's identifier, such as `close-wait-leak`: stable, used in JSON and `--rule`.
    var id: String { get }
    /// One line on what the rule looks for, for `tcpdoctor doctor --list-rules`.
    var summary: String { get }
    func diagnose(_ input: DiagnosisInput) -> [Finding]
}
