/// The bytes the lab's clients and servers exchange.
///
/// Fixed sizes, so that every read can ask for exactly one message and the Recv-Q the kernel
/// shows afterwards is known to the byte (the `close-wait-data` scenario depends on it).
enum LabWire {
    /// A request: four bytes, like the start of an HTTP request line.
    static let request: [UInt8] = Array("GET\n".utf8)
    /// The response to one request.
    static let response: [UInt8] = Array("OK\n".utf8)
    /// The message a `close-wait-data` client sends before it closes.
    static let streamLength = 64
    /// The part of that message the broken server reads before it stops.
    static let headerLength = 16
    /// What the broken server leaves unread: the rest of the message plus one for the FIN.
    static let unreadAfterHeader = streamLength - headerLength + 1
    /// The server's port inside a lab namespace: outside every narrowed ephemeral range, so that
    /// the listener takes no port from the clients' range.
    static let namespaceServerPort: UInt16 = 8080
    /// The first port of the narrowed ephemeral range in a lab namespace.
    static let namespaceRangeStart = 40000
    /// The address `unanswered-syn` clients connect to: the lab namespace routes its /24 into
    /// lo, where nothing owns it and, with forwarding off, every packet to it is dropped.
    static let unansweredAddress: UInt32 = 0x0A4D_0002
    /// `unanswered-syn`: that /24 in iproute2's notation.
    static let unansweredPrefix = "10.77.0.0/24"
    /// `unanswered-syn`, fixed: how long a client waits for a handshake before it gives up.
    static let connectTimeoutMilliseconds: Int32 = 300
    /// The `accept-stall` server's listen() backlog: its accept queue holds one more than this.
    static let stallBacklog: Int32 = 8
}
