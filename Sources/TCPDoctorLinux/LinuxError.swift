import SystemPackage

/// The one error type of TCPDoctorLinux: what failed, where, and the underlying `Errno`.
public struct LinuxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A category of failure; a struct over a private enum so that codes can grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case netlinkUnavailable
            case netlinkProtocol
            case permissionDenied
            case namespaceUnavailable
            case procfsUnreadable
            case malformedProcData
            case systemCall
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// NETLINK_SOCK_DIAG cannot be opened or does not answer (no kernel support, seccomp).
        public static let netlinkUnavailable = Code(.netlinkUnavailable)
        /// The kernel's netlink reply broke the protocol (bad lengths, unexpected type).
        public static let netlinkProtocol = Code(.netlinkProtocol)
        /// The caller lacks the privilege for the operation (EPERM, EACCES).
        public static let permissionDenied = Code(.permissionDenied)
        /// A network namespace could not be entered or has gone.
        public static let namespaceUnavailable = Code(.namespaceUnavailable)
        /// A /proc file or directory could not be read.
        public static let procfsUnreadable = Code(.procfsUnreadable)
        /// A /proc file did not have the expected format.
        public static let malformedProcData = Code(.malformedProcData)
        /// Any other failed system call.
        public static let systemCall = Code(.systemCall)

        public var description: String {
            switch value {
            case .netlinkUnavailable: "netlink unavailable"
            case .netlinkProtocol: "netlink protocol error"
            case .permissionDenied: "permission denied"
            case .namespaceUnavailable: "namespace unavailable"
            case .procfsUnreadable: "procfs unreadable"
            case .malformedProcData: "malformed /proc data"
            case .systemCall: "system call failed"
            }
        }
    }

    public var code: Code
    /// A sentence naming what failed and where, such as "cannot read /proc/42/fd".
    public var message: String
    public var errno: Errno?

    public init(_ code: Code, _ message: String, errno: Errno? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String {
        guard let errno else { return message }
        return "\(message): \(errno)"
    }
}
