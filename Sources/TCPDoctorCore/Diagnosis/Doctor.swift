/// The doctor: every diagnosis rule, and the function that runs them and orders their findings.
///
/// Rules are pure, so the doctor is too: the same input gives the same findings in the same
/// order, which makes it a test oracle for the lab's scenarios.
public enum Doctor {
    /// Every rule, in the order their findings are listed when severity and size tie.
    public static let rules: [any DiagnosisRule] = [
        CloseWaitLeakRule(),
        DeadSocketFDsRule(),
        FDExhaustionRule(),
        SharedSocketRule(),
        ListenBacklogRule(),
        TimeWaitRule(),
        FinWait2Rule(),
        LastAckRule(),
        SynSentRule(),
        KernelSettingsRule(),
    ]

    /// The states whose `tcp_info` a rule reads: CLOSE_WAIT, for how long each socket has been
    /// idle (`CloseWaitLeakRule`). The doctor's readers ask the kernel for these only.
    public static let tcpInfoStates = TCPStateSet(.closeWait)

    /// Runs the rules on `input` and returns their findings, most severe first.
    ///
    /// Within a severity, larger findings come first (their `size`), then by rule order
    /// and summary, so the order is stable from run to run. Findings about the two ends of local
    /// connections are linked (`FindingLinks.resolve`).
    ///
    /// - Parameters:
    ///   - input: The snapshot, host facts and thresholds.
    ///   - ruleIDs: Only these rules, when given (`--rule`); unknown ids select nothing.
    /// - Returns: Findings, empty on a healthy host.
    public static func diagnose(_ input: DiagnosisInput, only ruleIDs: Set<String>? = nil) -> [Finding] {
        var ranked: [(finding: Finding, rule: Int)] = []
        for (index, rule) in rules.enumerated() where ruleIDs?.contains(rule.id) ?? true {
            for finding in rule.diagnose(input) { ranked.append((finding, index)) }
        }
        ranked.sort { a, b in
            if a.finding.severity != b.finding.severity { return a.finding.severity > b.finding.severity }
            let (countA, countB) = (a.finding.size ?? 0, b.finding.size ?? 0)
            if countA != countB { return countA > countB }
            if a.rule != b.rule { return a.rule < b.rule }
            return a.finding.summary < b.finding.summary
        }
        return FindingLinks.resolve(ranked.map(\.finding))
    }

    /// The rule with identifier `id`, if there is one.
    public static func rule(_ id: String) -> (any DiagnosisRule)? { rules.first { $0.id == id } }
}
