import TCPDoctorCore
import TCPDoctorLinux

/// Who listens on a port already: for the message of a `serve` that could not bind it.
public enum ListenerHolders {
    /// `pid 4242 (python3)`, or nil when no listener of this namespace on `port` has a visible owner.
    ///
    /// Reads this namespace's listeners and their owners (a snapshot of LISTEN sockets only);
    /// another namespace's listener cannot hold a port of this one.
    public static func describe(port: UInt16) -> String? {
        let request = SnapshotRequest(
            states: TCPStateSet(.listen),
            namespaces: .current,
            includeOwners: true,
            findDeadSocketFDs: false
        )
        guard let snapshot = try? SnapshotReader.read(request) else { return nil }
        var holders = Set<Int32>()
        for socket in snapshot.sockets where socket.state == .listen && socket.local.port == port {
            for owner in snapshot.owners(of: socket) { holders.insert(owner.pid) }
        }
        guard !holders.isEmpty else { return nil }
        return holders.sorted().map { pid in
            snapshot.processes[pid].map { "pid \(pid) (\($0.command))" } ?? "pid \(pid)"
        }.joined(separator: ", ")
    }
}
