import SystemPackage

/// The one error type of TCPDoctorLinux: what failed, where, and the underlying `Errno`.
public struct LinuxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A category of failure; a struct over a private enum so that codes can grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case netlinkUnavailable
            case netlinkTimedOut
            case netlinkInterrupted
            case netlinkProtocol
            case permissionDenied
            case namespaceUnavailable
            case procfsUnreadable
            case malformedProcData
            case systemCall
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The kernel does not support NETLINK_SOCK_DIAG here: socket(2) fails with
        /// EPROTONOSUPPORT, EAFNOSUPPORT or EOPNOTSUPP (no such kernel support, a seccomp filter),
        /// or the dump is refused with ENOENT or EOPNOTSUPP (no inet_diag handler loaded).
        ///
        /// The one netlink failure after which /proc/net/tcp is worth reading instead: the others
        /// say nothing about whether netlink works, and /proc would only repeat the wait.
        public static let netlinkUnavailable = Code(.netlinkUnavailable)
        /// The kernel sent no reply within the receive timeout (SO_RCVTIMEO, EAGAIN): a stalled
        /// dump, not a missing feature.
        public static let netlinkTimedOut = Code(.netlinkTimedOut)
        /// Receiving the reply was interrupted by signals (EINTR) more often than is retried.
        public static let netlinkInterrupted = Code(.netlinkInterrupted)
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
            case .netlinkUnavailable: "netlink sock_diag not supported"
            case .netlinkTimedOut: "netlink timed out"
            case .netlinkInterrupted: "netlink interrupted"
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
