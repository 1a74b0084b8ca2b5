import Synchronization

/// Indexes of a snapshot that several rules use, built the first time one asks and then shared
/// by every rule of the same diagnosis: at 200k sockets each is a pass over every socket and a
/// dictionary of tens of thousands of entries, too dear to build once per rule.
///
/// `DiagnosisInput` holds one and replaces it whenever its snapshot is set, so the indexes
/// always describe the input's own snapshot; copies of an input share them.
final class DiagnosisIndexes: Sendable {
    private let listeners = Mutex<ListenerIndex?>(nil)
    private let closingPeers = Mutex<LocalPeerIndex.Table?>(nil)

    /// The listening sockets of `snapshot` (the input's), by namespace and port.
    func listeners(_ snapshot: Snapshot) -> ListenerIndex {
        listeners.withLock { index in
            if let index { return index }
            let built = ListenerIndex(snapshot.sockets)
            index = built
            return built
        }
    }

    /// The 4-tuples of `snapshot`'s sockets in `LocalPeerIndex.Table.closingStates`.
    func closingPeers(_ snapshot: Snapshot) -> LocalPeerIndex.Table {
        closingPeers.withLock { table in
            if let table { return table }
            let built = LocalPeerIndex.Table(snapshot, states: LocalPeerIndex.Table.closingStates)
            table = built
            return built
        }
    }
}
