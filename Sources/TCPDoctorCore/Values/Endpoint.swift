/// One end of a TCP connection: an address and a port.
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }

    /// `10.0.0.1:80` or `[::1]:80`, with `*` for an unspecified address or port as netstat does.
    public var description: String {
        let host = address.isUnspecified ? "*" : (address.family == .ipv6 ? "[\(address)]" : "\(address)")
        return port == 0 ? "\(host):*" : "\(host):\(port)"
    }
}
