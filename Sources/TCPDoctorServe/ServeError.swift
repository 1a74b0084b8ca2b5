/// Why serve could not start or keep listening: a code that can grow, and a sentence that says
/// what failed, where, and what to do.
public struct ServeError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case badListenAddress, addressInUse, addressUnavailable, permissionDenied, listenFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// `--listen` is not `ADDRESS:PORT` with a literal IP address and a port number.
        public static let badListenAddress = Code(.badListenAddress)
        /// Another socket listens on the address and port (EADDRINUSE).
        public static let addressInUse = Code(.addressInUse)
        /// The address is not one of this host's (EADDRNOTAVAIL).
        public static let addressUnavailable = Code(.addressUnavailable)
        /// A port below 1024 without CAP_NET_BIND_SERVICE (EACCES).
        public static let permissionDenied = Code(.permissionDenied)
        /// Any other failure to listen.
        public static let listenFailed = Code(.listenFailed)

        public var description: String { "\(value)" }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
