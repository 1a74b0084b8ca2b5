/// A client and the server side of one loopback connection, for driving close sequences.
public struct LoopbackConnection {
    public let listener: LoopbackSocket
    public let client: LoopbackSocket
    public let server: LoopbackSocket

    /// Opens a listener, connects, and accepts.
    public static func open(ipv6: Bool = false) throws -> LoopbackConnection {
        let listener = try LoopbackSocket.listen(ipv6: ipv6)
        let client = try LoopbackSocket.connect(to: listener.port, ipv6: ipv6)
        let server = try listener.accept()
        return LoopbackConnection(listener: listener, client: client, server: server)
    }

    /// The client closes and the server does not: the server sits in CLOSE_WAIT (Recv-Q 1, the
    /// FIN unread) and the client in FIN_WAIT2.
    public func clientClosesFirst() {
        client.close()
    }
}
