import TCPDoctorCore

/// Gathers what the doctor judges: a snapshot with tcp_info, and host facts.
public enum DiagnosisInputReader {
    /// Reads everything the rules may need for the chosen namespaces.
    ///
    /// tcp_info is asked for where the rules read it (`Doctor.tcpInfoStates`: the ages of
    /// CLOSE_WAIT sockets). Runtimes are not looked for here:
    /// `DoctorRun` recognises them after diagnosis, for the culprits only.
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
            infoStates: Doctor.tcpInfoStates,
            includeShutdown: true,
            deadSocketMinimumIdle: thresholds.deadSocketMinimumIdle
        )
        let snapshot = try SnapshotReader.read(request, in: locations)
        return DiagnosisInput(snapshot: snapshot, host: HostFactsReader.read(locations), thresholds: thresholds)
    }
}
