extension Doctor {
    /// Runs the rules, recognising runtimes only for the processes the findings name.
    ///
    /// Runtime detection reads executables and memory maps, so it is never done for every socket
    /// holder: a rule asks for a runtime when it builds a finding, for the processes that finding
    /// names (`DiagnosisInput.culprit(_:)`), once per process, in one pass. The input stays as
    /// read.
    ///
    /// - Parameters:
    ///   - input: The snapshot as read, host facts and thresholds.
    ///   - ruleIDs: Only these rules, when given (`--rule`).
    ///   - identify: Recognises the runtimes of the given pids; pids it cannot recognise are left
    ///     out of its answer. Called with one pid at a time, once per pid.
    /// - Returns: The findings, and the pids whose runtimes were looked for, ascending.
    public static func diagnose(
        _ input: DiagnosisInput,
        only ruleIDs: Set<String>? = nil,
        identifyingRuntimes identify: @escaping ([Int32]) -> [Int32: RuntimeIdentity]
    ) -> (findings: [Finding], inspected: [Int32]) {
        var input = input
        let lookup = RuntimeLookup { pid in identify([pid])[pid] }
        input.runtimes = lookup
        return (diagnose(input, only: ruleIDs), lookup.inspected)
    }
}
