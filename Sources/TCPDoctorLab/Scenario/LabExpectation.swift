import TCPDoctorCore

/// A set of sockets that a running lab must leave in the kernel's tables, and how many.
///
/// Tests and the doctor-oracle compare these against a snapshot: the broken variant must show
/// the pile, the fixed variant must show none of it (its expectations have a count of 0 for the
/// pile, and positive counts for what the correct workload legitimately leaves).
public struct LabExpectation: Sendable, Hashable, CustomStringConvertible {
    /// Which end of the lab's connections the sockets are.
    public enum Side: String, Sendable, Hashable {
        /// The server's end: the local port is the server's port.
        case server
        /// The client's end: the remote port is the server's port.
        case client
    }

    /// The TCP state; nil for dead socket fds (held open, in no kernel table).
    public var state: TCPState?
    public var side: Side
    /// The roles whose processes hold each socket, exactly; empty for sockets no process holds
    /// (TIME_WAIT, orphaned FIN_WAIT2).
    public var holders: Set<LabScenario.Role>
    /// The Recv-Q every matching socket must have, when it matters.
    public var recvQ: UInt32?
    /// How many sockets must match.
    public var count: Int

    public init(
        state: TCPState?,
        side: Side,
        holders: Set<LabScenario.Role>,
        recvQ: UInt32? = nil,
        count: Int
    ) {
        self.state = state
        self.side = side
        self.holders = holders
        self.recvQ = recvQ
        self.count = count
    }

    public var description: String {
        let what = state?.netstatName ?? "dead socket fds"
        let who =
            holders.isEmpty
            ? "held by no process" : "held by " + holders.map(\.rawValue).sorted().joined(separator: "+")
        let queue = recvQ.map { ", Recv-Q \($0)" } ?? ""
        return "\(count) \(what) on the \(side.rawValue) side, \(who)\(queue)"
    }
}
