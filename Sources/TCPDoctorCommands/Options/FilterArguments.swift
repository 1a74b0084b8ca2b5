import ArgumentParser
import TCPDoctorCore

/// The ss-style FILTER words of `sockets` and `states`, parsed once in `validate()`.
struct FilterArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("An ss-style filter, such as: state close-wait sport = :8000.", valueName: "FILTER"))
    var words: [String] = []

    /// A malformed filter is a usage error whose message points at the bad token.
    func validate() throws {
        do {
            _ = try SocketFilter(arguments: words)
        } catch {
            throw ValidationError("invalid filter: \(error.description)")
        }
    }

    /// The parsed filter; `validate()` has already rejected a malformed one.
    var filter: SocketFilter { (try? SocketFilter(arguments: words)) ?? .all }

    /// The sockets of `snapshot` that pass the filter and the process selection.
    ///
    /// Without either, the snapshot's array is returned as it is: a copy of 200k records is not free.
    func select(from snapshot: Snapshot, _ selection: SelectionOptions) -> [SocketRecord] {
        let (filter, processes) = (self.filter, selection.processes)
        guard filter != .all || !processes.isAll else { return snapshot.sockets }
        return snapshot.sockets.filter { filter.matches($0) && processes.holds($0, in: snapshot) }
    }
}
