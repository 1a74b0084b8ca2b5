import TCPDoctorCore

/// Gathers what the doctor judges: a snapshot with tcp_info, runtimes, and host facts.
public enum DiagnosisInputReader {
    /// Reads everything the rules may need for the chosen namespaces.
    ///
    /// tcp_info is asked for (ages of CLOSE_WAIT sockets); runtimes are recognised for every
    /// process that holds a socket, so that remedies can speak the culprit's language.
    ///
    /// - Throws: `LinuxError` as `SnapshotReader.read` does.
    public static func read(
        namespaces selection: SnapshotRequest.Namespaces,
        thresholds: Thresholds
    ) throws(LinuxError) -> DiagnosisInput {
        let locations = try SnapshotReader.namespaces(selection)
        let request = SnapshotRequest(
            namespaces: selection,
            includeOwners: true,
            includeInfo: true,
            includeShutdown: true,
            deadSocketMinimumIdle: thresholds.deadSocketMinimumIdle
        )
        var snapshot = try SnapshotReader.read(request, in: locations)
        let detector = RuntimeDetector()
        for (pid, process) in snapshot.processes {
            snapshot.processes[pid]?.runtime = detector.identify(process)
        }
        return DiagnosisInput(snapshot: snapshot, host: HostFactsReader.read(locations), thresholds: thresholds)
    }
}
