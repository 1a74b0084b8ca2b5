import TCPDoctorCore

/// One classic TCP failure that the lab reproduces with real processes, and its fixed variant.
///
/// A scenario is plain data that tests and the doctor-oracle read: what it reproduces, which
/// doctor rule must name it, which role is the culprit, and (through `expectations`) which
/// sockets the kernel must show. `LabRun.start` brings it to life.
public struct LabScenario: Sendable, Hashable, Identifiable, CustomStringConvertible {
    /// A process of a scenario.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        /// The listening side.
        case server
        /// The connecting side.
        case client
        /// A per-connection child of a forking server.
        case handler
    }

    /// The scenarios, one per case; the raw value is the id used on the command line.
    enum Kind: String, Sendable, Hashable, CaseIterable {
        case closeWaitNoRead = "close-wait-noread"
        case closeWaitEOF = "close-wait-eof"
        case closeWaitData = "close-wait-data"
        case forkShared = "fork-shared"
        case httpClientLeak = "http-client-leak"
        case serverClosesFirst = "server-closes-first"
        case portExhaustion = "port-exhaustion"
        case emfile = "emfile"
        case resetHeld = "reset-held"
        case acceptStall = "accept-stall"
        case unansweredSYN = "unanswered-syn"
    }

    let kind: Kind

    /// The id used on the command line, such as `close-wait-noread`.
    public var id: String { kind.rawValue }
    /// A short title for `lab list`.
    public let title: String
    /// What the broken workload does and what the kernel then shows.
    public let reproduces: String
    /// What `--fixed` changes.
    public let fix: String
    /// The doctor rule that must report the broken variant, such as `close-wait-leak`.
    public let expectedRule: String
    /// The role whose process the doctor must name.
    public let culprit: Role
    /// The state of the pile the broken variant leaves (nil: dead socket fds, in no table).
    public let expectedState: TCPState?
    /// `--connections` when not given.
    public let defaultConnections: Int
    /// What `--connections` means for this scenario.
    public let connectionsMeaning: String
    /// Whether the scenario runs in a network namespace of its own (root only).
    public let needsNamespace: Bool
    /// The command name (`/proc/PID/comm`, at most 15 characters) of each role.
    public let commands: [Role: String]

    /// The roles this scenario runs, in start order.
    public var roles: [Role] { Role.allCases.filter { commands[$0] != nil } }

    /// The command name of `role`, or `tcpdoctor` if the scenario has no such role.
    public func command(of role: Role) -> String { commands[role] ?? "tcpdoctor" }

    public var description: String { id }

    public static func == (lhs: LabScenario, rhs: LabScenario) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
