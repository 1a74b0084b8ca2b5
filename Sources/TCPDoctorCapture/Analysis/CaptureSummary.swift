import TCPDoctorCore

/// Totals over every connection of a capture, built one connection at a time.
///
/// Memory grows with the number of distinct (holder, peer) pairs and services, not with the
/// number of connections, so the summary can follow the analyzer's stream of connections.
public struct CaptureSummary: Sendable {
    /// Thresholds of the capture findings.
    public struct Thresholds: Sendable, Hashable {
        /// A CLOSE_WAIT at least this long counts as held; an application that closes promptly
        /// leaves CLOSE_WAIT within milliseconds.
        public var closeWaitSeconds: Double
        /// Held CLOSE_WAITs from one holder toward one peer needed for a finding.
        public var closeWaitConnections: Int
        /// Refused connections to one service needed for a finding.
        public var refusedConnections: Int
        /// Unanswered connection attempts to one service needed for a finding.
        public var unansweredConnections: Int
        /// Aborts (RST while the sender still had the connection) from one endpoint for a finding.
        public var resets: Int
        /// Connections a service closed first (and so holds TIME_WAIT for) needed for a finding.
        public var serverClosesFirst: Int

        public init(
            closeWaitSeconds: Double = 1,
            closeWaitConnections: Int = 1,
            refusedConnections: Int = 3,
            unansweredConnections: Int = 3,
            resets: Int = 10,
            serverClosesFirst: Int = 100
        ) {
            self.closeWaitSeconds = closeWaitSeconds
            self.closeWaitConnections = closeWaitConnections
            self.refusedConnections = refusedConnections
            self.unansweredConnections = unansweredConnections
            self.resets = resets
            self.serverClosesFirst = serverClosesFirst
        }
    }

    public let thresholds: Thresholds
    public private(set) var connections = 0
    public private(set) var startedMidStream = 0
    public var byEnding: [Connection.Ending: Int] { Self.dictionary(endingCounts, Connection.Ending.allCases) }
    /// Counts of Zeek's `conn_state` over the connections that carry one (see
    /// `ConnectionAnalyzer.Configuration.zeekColumns`).
    public var byZeekState: [ZeekConnState: Int] { Self.dictionary(zeekCounts, ZeekConnState.allCases) }
    public var byActiveCloser: [Connection.Closer: Int] { Self.dictionary(closerCounts, Connection.Closer.allCases) }
    // Counted by case index: `add` runs once per connection, and hashing an enum through `Hasher`
    // three times per connection showed in profiles of captures with millions of connections.
    private var endingCounts = [Int](repeating: 0, count: Connection.Ending.allCases.count)
    private var zeekCounts = [Int](repeating: 0, count: ZeekConnState.allCases.count)
    private var closerCounts = [Int](repeating: 0, count: Connection.Closer.allCases.count)
    /// Packets and payload bytes over all connections.
    public private(set) var packets: UInt64 = 0
    public private(set) var bytes: UInt64 = 0

    private var closeWait = GroupTable<CloseWaitGroup.Key, CloseWaitGroup>()
    private var services = GroupTable<Endpoint, ServiceCounts>()
    private var aborts = GroupTable<Endpoint, AbortCounts>()

    public init(thresholds: Thresholds = Thresholds()) {
        self.thresholds = thresholds
    }

    /// Counts one connection.
    public mutating func add(_ connection: Connection) {
        connections += 1
        if connection.startedMidStream { startedMidStream += 1 }
        endingCounts[connection.ended.index] += 1
        if let state = connection.zeekConnState { zeekCounts[state.index] += 1 }
        if let closer = connection.activeCloser { closerCounts[closer.index] += 1 }
        packets += connection.originatorStats.packets + connection.responderStats.packets
        bytes += connection.originatorStats.bytes + connection.responderStats.bytes

        if let wait = connection.closeWait {
            let key = CloseWaitGroup.Key(connection: connection, holderRole: wait.side)
            let threshold = thresholds.closeWaitSeconds
            closeWait.update(key, default: CloseWaitGroup(key: key)) {
                $0.add(connection, wait, heldAtLeast: threshold)
            }
        }
        // Updated in place: one lookup per connection.
        services.update(connection.responder, default: ServiceCounts()) { $0.add(connection) }
        if let reset = connection.reset, reset.isAbort, connection.ended == .reset {
            let sender = connection.endpoint(reset.side)
            let key = reset.side == .responder ? sender : Endpoint(address: sender.address, port: 0)
            aborts.update(key, default: AbortCounts()) { $0.add(reset.senderState) }
        }
    }

    /// Holders of CLOSE_WAIT toward each peer, most held connections first, then longest.
    public var closeWaitGroups: [CloseWaitGroup] { closeWaitGroups(heldAtLeast: 0) }

    /// The groups that held CLOSE_WAIT on at least `minimum` connections, ordered as
    /// `closeWaitGroups`; with `limit`, only the first `limit` of them.
    ///
    /// Filtered before they are sorted: a capture of many clients has a group for each client that
    /// held a CLOSE_WAIT for a moment, tens of thousands, and sorting them all to keep the few that
    /// held one showed in profiles.
    public func closeWaitGroups(heldAtLeast minimum: Int, first limit: Int? = nil) -> [CloseWaitGroup] {
        Self.ordered(closeWait.values, heldAtLeast: minimum, first: limit) {
            ($0.heldConnections, $0.longestSeconds, $0.key.holder) > (
                $1.heldConnections, $1.longestSeconds, $1.key.holder
            )
        }
    }

    /// The groups that held CLOSE_WAIT longest, longest first.
    public var longestCloseWaitGroups: [CloseWaitGroup] { longestCloseWaitGroups(heldAtLeast: 0) }

    /// The groups that held CLOSE_WAIT on at least `minimum` connections, ordered as
    /// `longestCloseWaitGroups`; with `limit`, only the first `limit` of them.
    public func longestCloseWaitGroups(heldAtLeast minimum: Int, first limit: Int? = nil) -> [CloseWaitGroup] {
        Self.ordered(closeWait.values, heldAtLeast: minimum, first: limit) {
            ($0.longestSeconds, $0.key.holder) > ($1.longestSeconds, $1.key.holder)
        }
    }

    /// `groups` sorted as `sorted(by:)` would (stably), by sorting their positions: a group is
    /// large enough that moving groups around cost more than comparing them, with thousands of
    /// groups. With `limit`, the first `limit` of that order, kept in a short sorted list as the
    /// groups go by instead of sorting them all: what a report's table shows.
    private static func ordered(
        _ groups: [CloseWaitGroup],
        heldAtLeast minimum: Int,
        first limit: Int?,
        by areInIncreasingOrder: (CloseWaitGroup, CloseWaitGroup) -> Bool
    ) -> [CloseWaitGroup] {
        guard let limit else {
            return groups.indices.filter { groups[$0].heldConnections >= minimum }
                .sorted { areInIncreasingOrder(groups[$0], groups[$1]) }.map { groups[$0] }
        }
        var best: [Int] = []
        best.reserveCapacity(max(limit, 0) + 1)
        for index in groups.indices where groups[index].heldConnections >= minimum {
            if best.count == limit, let last = best.last, !areInIncreasingOrder(groups[index], groups[last]) {
                continue
            }
            // After every group it does not strictly precede, so that ties keep their order.
            var position = best.count
            while position > 0 && areInIncreasingOrder(groups[index], groups[best[position - 1]]) { position -= 1 }
            best.insert(index, at: position)
            if best.count > limit { best.removeLast() }
        }
        return best.map { groups[$0] }
    }

    struct ServiceCounts: Sendable {
        var connections = 0
        var refused = 0
        var unanswered = 0
        var closedFirst = 0

        mutating func add(_ connection: Connection) {
            connections += 1
            switch connection.ended {
            case .rejected: refused += 1
            case .noAnswer: unanswered += 1
            default: break
            }
            if connection.activeCloser == .responder { closedFirst += 1 }
        }
    }

    /// The counts of the cases that occurred, as a dictionary.
    private static func dictionary<Key: Hashable>(_ counts: [Int], _ cases: [Key]) -> [Key: Int] {
        var result: [Key: Int] = [:]
        for (index, key) in cases.enumerated() where counts[index] > 0 { result[key] = counts[index] }
        return result
    }

    struct AbortCounts: Sendable {
        var total = 0
        /// Aborts by the sender's state, indexed by its raw value: a dictionary per sender, created
        /// and grown for each of thousands of senders, cost half a percent of the analysis.
        private var perState: [Int] = []

        mutating func add(_ state: TCPState) {
            total += 1
            let index = Int(state.rawValue)
            if index >= perState.count { perState += repeatElement(0, count: index + 1 - perState.count) }
            perState[index] += 1
        }

        /// Aborts by the sender's state, for the states that had any.
        var byState: [TCPState: Int] {
            var result: [TCPState: Int] = [:]
            for (index, count) in perState.enumerated() where count > 0 {
                if let state = TCPState(rawValue: UInt8(index)) { result[state] = count }
            }
            return result
        }
    }

    /// Counts per service, in the order of their first connection.
    var serviceCounts: Zip2Sequence<[Endpoint], [ServiceCounts]> { services.elements }
    /// Counts per RST sender, in the order of their first abort.
    var abortCounts: Zip2Sequence<[Endpoint], [AbortCounts]> { aborts.elements }
}

/// The CLOSE_WAIT periods of one holder toward one peer.
///
/// A client (originator) holder is grouped by its address and the service it talked to: each
/// client host is a culprit of its own. A service (responder) holder is grouped by its address and
/// port alone, whatever the clients: a service that does not close its connections is one problem
/// however many clients it has, and grouping by client made one finding per client address of a
/// busy server. Its `peer` is then the unspecified address; `peerAddresses` names the clients.
/// Ports that vary from one connection to the next (the client's ephemeral port) are 0.
public struct CloseWaitGroup: Hashable, Sendable {
    public struct Key: Hashable, Sendable {
        public var holderRole: Connection.Role
        public var holder: Endpoint
        public var peer: Endpoint

        init(connection: Connection, holderRole: Connection.Role) {
            self.holderRole = holderRole
            let holder = connection.endpoint(holderRole)
            let peer = connection.endpoint(holderRole.peer)
            if holderRole == .originator {
                self.holder = Endpoint(address: holder.address, port: 0)
                self.peer = peer
            } else {
                self.holder = holder
                self.peer = Endpoint(address: peer.address.family == .ipv6 ? .ipv6Any : .ipv4Any, port: 0)
            }
        }
    }

    public var key: Key
    /// Connections on which the holder had a CLOSE_WAIT at all.
    public var connections = 0
    /// Those at least `Thresholds.closeWaitSeconds` long (or still open at the end).
    public var heldConnections = 0
    public var openAtEnd = 0
    /// Connections on which the holder's late FIN met RST (see `Connection.LateFIN`).
    public var lateFINResets = 0
    /// Connections on which the peer ended the CLOSE_WAIT with RST, typically answering data the
    /// holder sent on the half-closed connection (a pooled connection reused after the server closed).
    public var resetsByPeer = 0
    public var longestSeconds = 0.0
    public var totalHeldSeconds = 0.0
    /// The first packet of the connection with the longest CLOSE_WAIT, to find it in the capture.
    public var longestFirstPacketNumber: UInt64 = 0
    /// For a service holder, the distinct client addresses of its held connections, the first
    /// `peerAddressLimit` of them; `morePeerAddresses` says there were more.
    public private(set) var peerAddresses: [IPAddress] = []
    public private(set) var morePeerAddresses = false
    public static let peerAddressLimit = 100

    init(key: Key) { self.key = key }

    mutating func add(_ connection: Connection, _ wait: Connection.CloseWait, heldAtLeast threshold: Double) {
        connections += 1
        let seconds = wait.seconds
        if seconds >= threshold || wait.openAtEnd {
            heldConnections += 1
            totalHeldSeconds += seconds
            // Past the limit, which clients they are no longer matters: skip the search.
            if key.holderRole == .responder && !morePeerAddresses {
                let client = connection.endpoint(.originator).address
                if !peerAddresses.contains(client) {
                    if peerAddresses.count < Self.peerAddressLimit {
                        peerAddresses.append(client)
                    } else {
                        morePeerAddresses = true
                    }
                }
            }
        }
        if wait.openAtEnd { openAtEnd += 1 }
        if connection.lateFIN?.side == wait.side { lateFINResets += 1 }
        if wait.endedBy == .reset && connection.reset?.side == wait.side.peer { resetsByPeer += 1 }
        if seconds > longestSeconds || connections == 1 {
            longestSeconds = seconds
            longestFirstPacketNumber = connection.firstPacketNumber
        }
    }

    /// Who the holder kept CLOSE_WAIT toward: the service for a client holder; for a service, the
    /// client's address when there was one, else `N clients` (`over N clients` past the limit).
    public var peerText: String {
        if key.holderRole == .originator { return "\(key.peer)" }
        if peerAddresses.count == 1 && !morePeerAddresses { return "\(peerAddresses[0])" }
        return morePeerAddresses ? "over \(peerAddresses.count) clients" : "\(peerAddresses.count) clients"
    }

    /// The mean of the held CLOSE_WAIT periods.
    public var meanHeldSeconds: Double { heldConnections == 0 ? 0 : totalHeldSeconds / Double(heldConnections) }
}

extension Connection.Ending {
    /// The position of the case in `allCases`, for counting in arrays.
    var index: Int {
        switch self {
        case .rejected: 0
        case .noAnswer: 1
        case .lateFINReset: 2
        case .finReset: 3
        case .reset: 4
        case .fin: 5
        case .closeWait: 6
        case .handshake: 7
        case .open: 8
        }
    }
}

extension Connection.Closer {
    /// The position of the case in `allCases`, for counting in arrays.
    var index: Int {
        switch self {
        case .originator: 0
        case .responder: 1
        case .both: 2
        }
    }
}

extension ZeekConnState {
    /// The position of the case in `allCases`, for counting in arrays.
    var index: Int {
        switch self {
        case .S0: 0
        case .S1: 1
        case .SF: 2
        case .REJ: 3
        case .S2: 4
        case .S3: 5
        case .RSTO: 6
        case .RSTR: 7
        case .RSTOS0: 8
        case .RSTRH: 9
        case .SH: 10
        case .SHR: 11
        case .OTH: 12
        }
    }
}

extension CloseWaitGroup.Key: GroupKey {
    var mixedHash: UInt64 {
        mixBits(holder.foldedBits &* 0xff51_afd7_ed55_8ccd ^ peer.foldedBits ^ (holderRole == .originator ? 1 : 2))
    }
}
