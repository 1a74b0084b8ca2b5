/// Sockets counted per TCP state, and CLOSE_WAIT sockets by Recv-Q class: one row of the history.
///
/// A fixed vector rather than a dictionary so that the store keeps one column per entry and the
/// downsampling takes the maximum of each entry; `columns` names them in the store's order.
public struct StateCounts: Hashable, Sendable {
    /// The states counted, in column order. `newSynReceived` (a request socket) counts as SYN_RECV.
    public static let states: [TCPState] = [
        .listen, .established, .synSent, .synReceived, .finWait1, .finWait2, .timeWait, .closed,
        .closeWait, .lastAck, .closing,
    ]
    /// The column names of the store, `states` first, then the three CLOSE_WAIT Recv-Q classes.
    public static let columns: [String] = [
        "listen", "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2", "time_wait", "close",
        "close_wait", "last_ack", "closing", "close_wait_recvq0", "close_wait_recvq1", "close_wait_recvq_more",
    ]
    /// The index of the first Recv-Q class in `values`.
    public static let recvQIndex = 11

    /// One count per entry of `columns`.
    public var values: [Int64]

    public init() { values = Array(repeating: 0, count: Self.columns.count) }

    /// - Parameter values: One count per entry of `columns`; missing entries count 0.
    public init(values: [Int64]) {
        var padded = Array(values.prefix(Self.columns.count))
        padded += Array(repeating: 0, count: Self.columns.count - padded.count)
        self.values = padded
    }

    /// The sockets in `state`.
    public subscript(state: TCPState) -> Int64 {
        Self.index(of: state).map { values[$0] } ?? 0
    }

    /// CLOSE_WAIT sockets whose Recv-Q is 0 (EOF read, never closed), 1 (the FIN unread) or more
    /// (unread data and the FIN).
    public var closeWaitRecvQ: (zero: Int64, one: Int64, more: Int64) {
        (values[Self.recvQIndex], values[Self.recvQIndex + 1], values[Self.recvQIndex + 2])
    }

    /// Sockets in every state together (the Recv-Q classes are not added twice).
    public var total: Int64 { values[..<Self.recvQIndex].reduce(0, +) }

    /// True when no socket is counted: a group that has gone.
    public var isEmpty: Bool { values.allSatisfy { $0 == 0 } }

    /// Counts one socket.
    public mutating func add(_ socket: SocketRecord) {
        guard let index = Self.index(of: socket.state) else { return }
        values[index] += 1
        if socket.state == .closeWait {
            values[Self.recvQIndex + Int(min(socket.recvQ, 2))] += 1
        }
    }

    /// The larger of each entry: what a downsampled row keeps as its maximum.
    public func maximum(_ other: StateCounts) -> StateCounts {
        StateCounts(values: zip(values, other.values).map { max($0, $1) })
    }

    /// The position of `state` in `values` (NEW_SYN_RECV counts as SYN_RECV); nil for a state the
    /// history does not count.
    public static func index(of state: TCPState) -> Int? {
        let position = positions[Int(state.rawValue)]
        return position < 0 ? nil : position
    }

    /// `index(of:)` by raw value, -1 for a state not counted: one load per socket counted.
    private static let positions: [Int] = {
        var positions = [Int](repeating: -1, count: TCPState.rawValueSlots)
        for (index, state) in states.enumerated() { positions[Int(state.rawValue)] = index }
        positions[Int(TCPState.newSynReceived.rawValue)] = states.firstIndex(of: .synReceived)!
        return positions
    }()
}
