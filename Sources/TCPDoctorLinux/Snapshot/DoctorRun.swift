import TCPDoctorCore

/// One run of the doctor on this host: read, diagnose, recognise the culprits' runtimes.
///
/// What `tcpdoctor doctor` does, in one call, so a service can do the same.
public struct DoctorRun: Sendable {
    /// What was judged, as read (processes carry no runtime).
    public var input: DiagnosisInput
    /// The findings, most severe first, with remedies in the culprits' runtimes.
    public var findings: [Finding]
    /// The pids whose runtimes were looked for (processes the findings name), ascending.
    public var inspectedPIDs: [Int32]

    /// Reads the chosen namespaces and diagnoses them.
    ///
    /// - Parameters:
    ///   - selection: The namespaces to read.
    ///   - thresholds: The rules' thresholds.
    ///   - ruleIDs: Only these rules, when given (`--rule`).
    ///   - processes: Only findings about these processes (`--pid`, `--process`); the rules still
    ///     judge the whole host, and the input's unverified socket fds are narrowed to them.
    /// - Throws: `LinuxError` as `DiagnosisInputReader.read` does.
    public init(
        namespaces selection: SnapshotRequest.Namespaces,
        thresholds: Thresholds,
        only ruleIDs: Set<String>? = nil,
        processes: ProcessSelection = .all
    ) throws(LinuxError) {
        var input = try DiagnosisInputReader.read(namespaces: selection, thresholds: thresholds)
        let detector = RuntimeDetector()
        let result = Doctor.diagnose(input, only: ruleIDs) { pids in
            var runtimes: [Int32: RuntimeIdentity] = [:]
            for pid in pids {
                if let process = input.snapshot.processes[pid], let identity = detector.identify(process) {
                    runtimes[pid] = identity
                }
            }
            return runtimes
        }
        if !processes.isAll {
            let snapshot = input.snapshot
            input.snapshot.unverifiedSocketFDs.removeAll { !processes.selects(pid: $0.owner.pid, in: snapshot) }
        }
        self.input = input
        self.findings = processes.findings(result.findings, in: input.snapshot)
        self.inspectedPIDs = result.inspected
    }
}
