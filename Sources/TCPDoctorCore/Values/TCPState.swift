/// A TCP connection state as the Linux kernel numbers it.
///
/// The raw values are the kernel's `TCP_*` constants from `include/net/tcp_states.h`, so a value
/// read from `inet_diag_msg.idiag_state` or `/proc/net/tcp` converts with `init(rawValue:)`.
public enum TCPState: UInt8, Sendable, CaseIterable, Hashable, Comparable {
    /// The kernel's `TCP_ESTABLISHED`.
    case established = 1
    /// The kernel's `TCP_SYN_SENT`.
    case synSent = 2
    /// The kernel's `TCP_SYN_RECV`.
    case synReceived = 3
    /// The kernel's `TCP_FIN_WAIT1`.
    case finWait1 = 4
    /// The kernel's `TCP_FIN_WAIT2`.
    case finWait2 = 5
    /// The kernel's `TCP_TIME_WAIT`.
    case timeWait = 6
    /// The kernel's `TCP_CLOSE`.
    case closed = 7
    /// The kernel's `TCP_CLOSE_WAIT`.
    case closeWait = 8
    /// The kernel's `TCP_LAST_ACK`.
    case lastAck = 9
    /// The kernel's `TCP_LISTEN`.
    case listen = 10
    /// The kernel's `TCP_CLOSING`.
    case closing = 11
    /// The kernel's `TCP_NEW_SYN_RECV`: a request socket (half-open connection on a listener).
    ///
    /// `inet_diag` reports request sockets as `TCP_SYN_RECV`; this case exists so that the state
    /// bit can be asked for in `idiag_states`.
    case newSynReceived = 12

    public static func < (lhs: TCPState, rhs: TCPState) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name `netstat` prints, such as `CLOSE_WAIT`; also the name used in JSON.
    public var netstatName: String {
        switch self {
        case .established: "ESTABLISHED"
        case .synSent: "SYN_SENT"
        case .synReceived, .newSynReceived: "SYN_RECV"
        case .finWait1: "FIN_WAIT1"
        case .finWait2: "FIN_WAIT2"
        case .timeWait: "TIME_WAIT"
        case .closed: "CLOSE"
        case .closeWait: "CLOSE_WAIT"
        case .lastAck: "LAST_ACK"
        case .listen: "LISTEN"
        case .closing: "CLOSING"
        }
    }

    /// The name `ss` uses in its filter language, such as `close-wait`.
    public var ssName: String {
        switch self {
        case .established: "established"
        case .synSent: "syn-sent"
        case .synReceived, .newSynReceived: "syn-recv"
        case .finWait1: "fin-wait-1"
        case .finWait2: "fin-wait-2"
        case .timeWait: "time-wait"
        case .closed: "closed"
        case .closeWait: "close-wait"
        case .lastAck: "last-ack"
        case .listen: "listening"
        case .closing: "closing"
        }
    }

    /// The states a user sees, in the order netstat's histogram lists them (no `newSynReceived`).
    public static let displayed: [TCPState] = [
        .established, .synSent, .synReceived, .finWait1, .finWait2, .timeWait, .closed, .closeWait,
        .lastAck, .listen, .closing,
    ]

    /// Parses a netstat name (`CLOSE_WAIT`) or an ss name (`close-wait`), case-insensitively.
    public init?(name: String) {
        let key = String(name.lowercased().map { $0 == "_" ? "-" : $0 })
        let aliases: [String: TCPState] = [
            "fin-wait1": .finWait1, "fin-wait2": .finWait2, "syn-received": .synReceived,
            "listen": .listen, "close": .closed, "time-wait": .timeWait,
        ]
        if let state = aliases[key] {
            self = state
            return
        }
        guard let state = TCPState.displayed.first(where: { $0.ssName == key }) else { return nil }
        self = state
    }
}

/// A set of TCP states as a bit mask, bit `n` standing for the state with raw value `n`.
///
/// This is the layout of `inet_diag_req_v2.idiag_states`, so the kernel can filter for free.
extension TCPState {
    /// One more than the largest raw value: the size of an array indexed by raw value.
    public static let rawValueSlots = Int(allCases.map(\.rawValue).max() ?? 0) + 1
}

public struct TCPStateSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ state: TCPState) { self.rawValue = 1 << UInt32(state.rawValue) }
    public init<S: Sequence>(_ states: S) where S.Element == TCPState {
        self.rawValue = states.reduce(0) { $0 | (1 << UInt32($1.rawValue)) }
    }

    public static let all = TCPStateSet(TCPState.allCases)

    public func contains(_ state: TCPState) -> Bool { rawValue & (1 << UInt32(state.rawValue)) != 0 }

    /// The states in the set, in raw-value order.
    public var states: [TCPState] { TCPState.allCases.filter { contains($0) } }
}
