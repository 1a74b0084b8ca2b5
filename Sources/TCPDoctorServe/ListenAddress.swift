import TCPDoctorCore

/// Where serve listens: a literal IP address and a port, `127.0.0.1:8273` or `[::1]:8273`.
///
/// Host names are refused: a name that resolves to several addresses, or to a public one, would
/// make the choice of where metrics are exposed implicit; listening beyond loopback is explicit.
public struct ListenAddress: Hashable, Sendable, CustomStringConvertible {
    /// The default port: 8273, "TCPD" on a telephone keypad. Outside Prometheus' exporter
    /// range (9100-9999, full in its default port allocations), outside the well-known ports
    /// (below 1024) and not listed in Debian's /etc/services; see the README.
    public static let defaultPort: UInt16 = 8273
    /// `127.0.0.1:8273`: loopback only, so that exposing the host's process names, ports and
    /// findings to a network is a choice someone makes.
    public static let standard = ListenAddress(host: "127.0.0.1", port: defaultPort)

    /// The address as text, without brackets.
    public var host: String
    /// 0 lets the kernel choose (tests).
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `ADDRESS:PORT`; an IPv6 address in brackets.
    ///
    /// - Throws: `ServeError.Code.badListenAddress` with a sentence that names the bad part.
    public init(parsing text: String) throws(ServeError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Self.bad(text, "an IPv6 address goes in brackets before the port, such as [::1]:8273")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw Self.bad(
                    text,
                    text.contains(":")
                        ? "an IPv6 address goes in brackets, such as [::1]:8273" : "expected ADDRESS:PORT"
                )
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let address = IPAddress(host) else {
            throw Self.bad(text, "'\(host)' is not an IP address (host names are not accepted)")
        }
        guard let number = UInt16(port) else {
            throw Self.bad(text, "'\(port)' is not a port number from 0 to 65535")
        }
        self.init(host: host.contains(":") ? address.description : String(host), port: number)
    }

    private static func bad(_ text: String, _ why: String) -> ServeError {
        ServeError(.badListenAddress, "--listen '\(text)': \(why).")
    }

    /// `127.0.0.1:8273`, `[::1]:8273`.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
