import SystemPackage

/// Why a lab could not be set up, held or cleaned up.
///
/// One error type for the library, as the style guide asks: a `code` that can grow, a sentence for
/// the user that says what failed and where, and the `errno` of the failed call when there is one.
public struct LabError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure; a struct over a private enum so that codes can be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unknownScenario
            case invalidOptions
            case needsRoot
            case systemCall
            case spawn
            case roleFailed
            case timedOut
            case namespace
            case badRoleArguments
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No scenario has the given id.
        public static let unknownScenario = Code(.unknownScenario)
        /// `--connections` or `--hold` out of range for the scenario.
        public static let invalidOptions = Code(.invalidOptions)
        /// The scenario needs root (a network namespace of its own).
        public static let needsRoot = Code(.needsRoot)
        /// A system call failed in the orchestrating process.
        public static let systemCall = Code(.systemCall)
        /// A role process could not be started.
        public static let spawn = Code(.spawn)
        /// A role process reported an error or exited before it was ready.
        public static let roleFailed = Code(.roleFailed)
        /// A role process did not report in time.
        public static let timedOut = Code(.timedOut)
        /// The network namespace could not be made or set up.
        public static let namespace = Code(.namespace)
        /// The hidden `lab _role` command got arguments it cannot use.
        public static let badRoleArguments = Code(.badRoleArguments)

        public var description: String { "\(value)" }
    }

    public var code: Code
    /// A sentence naming what failed, where, and what to do when that is known.
    public var message: String
    /// The `errno` of the failed system call, if one failed.
    public var errno: Int32?

    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String {
        guard let errno else { return message }
        return "\(message): \(Errno(rawValue: errno))"
    }

    /// An error for the system call `call` that failed with `errno`.
    static func system(_ call: String, _ context: String, _ errno: Errno, code: Code = .systemCall) -> LabError {
        LabError(code, "\(call) failed (\(context))", errno: errno.rawValue)
    }
}
