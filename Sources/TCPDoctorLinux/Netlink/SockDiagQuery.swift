import TCPDoctorCore

/// What to ask the kernel for in a `NETLINK_SOCK_DIAG` dump of TCP sockets.
///
/// Every field narrows or widens what the kernel does, so the cheapest query is the default: both
/// families, every state, no extensions. `states` is filtered in the kernel (`idiag_states`), which
/// costs nothing; `includeInfo` makes the kernel fill a `tcp_info` per socket, which does.
public struct SockDiagQuery: Sendable, Hashable {
    /// The address families to dump, one dump each, in this order.
    public var families: [IPAddress.Family]
    /// The states to return. Asking for `synReceived` also returns request sockets (half-open
    /// connections on a listener), which the kernel keeps as `TCP_NEW_SYN_RECV`.
    public var states: TCPStateSet
    /// Ask for `INET_DIAG_INFO` and decode it into `SocketRecord.tcpInfo`.
    public var includeInfo: Bool
    /// With `includeInfo`, the states whose sockets get a `tcp_info`; the others are dumped
    /// without it, in a dump of their own (`idiag_ext` is per request, not per state). The rules
    /// read it of CLOSE_WAIT only (`Doctor.tcpInfoStates`): at 200k sockets a `tcp_info` each
    /// costs a box of ~130 bytes per socket and its decoding, ~25 MB per snapshot.
    public var infoStates: TCPStateSet
    /// Decode `INET_DIAG_SHUTDOWN` into `SocketRecord.shutdown`.
    ///
    /// The kernel sends this attribute for every full socket whatever `idiag_ext` says
    /// (`inet_diag_msg_attrs_fill` puts it unconditionally), so this costs no kernel time; TIME_WAIT
    /// and request sockets never carry it and keep `shutdown == nil`.
    public var includeShutdown: Bool

    public init(
        families: [IPAddress.Family] = [.ipv4, .ipv6],
        states: TCPStateSet = .all,
        includeInfo: Bool = false,
        infoStates: TCPStateSet = .all,
        includeShutdown: Bool = false
    ) {
        self.families = families
        self.states = states
        self.includeInfo = includeInfo
        self.infoStates = infoStates
        self.includeShutdown = includeShutdown
    }

    /// The query as dumps that each ask for `tcp_info` for all their states or for none: itself
    /// when it does already, else the states with `tcp_info` and those without (an empty part
    /// left out).
    public var uniformParts: [SockDiagQuery] {
        guard includeInfo, !states.subtracting(infoStates).isEmpty else { return [self] }
        var withInfo = self
        withInfo.states = states.intersection(infoStates)
        withInfo.infoStates = .all
        var without = self
        without.states = states.subtracting(infoStates)
        without.includeInfo = false
        without.infoStates = .all
        return [withInfo, without].filter { !$0.states.isEmpty }
    }
}
