extension Doctor {
    /// Runs the rules, then recognises runtimes only for the processes the findings name.
    ///
    /// Runtime detection reads executables and memory maps, so it is done after a first diagnosis
    /// and only for its culprits, never for every socket holder. The input stays as read: the
    /// runtimes go into a copy that the rules judge a second time, so remedies and `runtime`
    /// evidence speak the culprit's language. A runtime changes only remedy lines and evidence,
    /// never which findings there are, so the second pass names the same processes.
    ///
    /// - Parameters:
    ///   - input: The snapshot as read, host facts and thresholds.
    ///   - ruleIDs: Only these rules, when given (`--rule`).
    ///   - identify: Recognises the runtimes of the given pids (in ascending order); pids it
    ///     cannot recognise are left out of its answer.
    /// - Returns: The findings, and the pids whose runtimes were looked for.
    public static func diagnose(
        _ input: DiagnosisInput,
        only ruleIDs: Set<String>? = nil,
        identifyingRuntimes identify: ([Int32]) -> [Int32: RuntimeIdentity]
    ) -> (findings: [Finding], inspected: [Int32]) {
        let first = diagnose(input, only: ruleIDs)
        let named = Set(first.flatMap { $0.processes.map(\.pid) }).filter { input.snapshot.processes[$0] != nil }
        let inspected = named.sorted()
        let runtimes = identify(inspected)
        guard !runtimes.isEmpty else { return (first, inspected) }
        // Only the rules that found something are run again: the others find nothing either way.
        return (diagnose(input.withRuntimes(runtimes), only: Set(first.map(\.rule))), inspected)
    }
}

extension DiagnosisInput {
    /// A copy whose processes carry `runtimes`, by pid.
    func withRuntimes(_ runtimes: [Int32: RuntimeIdentity]) -> DiagnosisInput {
        var copy = self
        for (pid, identity) in runtimes { copy.snapshot.processes[pid]?.runtime = identity }
        return copy
    }
}
