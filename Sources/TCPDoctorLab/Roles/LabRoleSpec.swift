/// What one role process must do: the arguments of the hidden `tcpdoctor lab _role` command.
///
/// The orchestrator encodes it into argv and the child decodes it, both here, so that the
/// command line between them is one private format with one owner. Words are
/// `SCENARIO ROLE key=value...`.
public struct LabRoleSpec: Sendable, Hashable {
    var scenario: LabScenario
    var role: LabScenario.Role
    var fixed: Bool
    /// The server's port; for a server, 0 lets the kernel choose.
    var port: UInt16
    /// Connections to open or accept (see `LabScenario.connectionsMeaning`).
    var count: Int
    /// The pid the child must have as its parent; it exits if it was orphaned before PR_SET_PDEATHSIG.
    var parent: Int32
    /// The network namespace to enter first.
    var netns: String?
    /// The fd a handler inherits its connection on.
    var inheritedFD: Int32?
    /// Connections per second the client opens; nil: as fast as it can.
    var rate: Double?

    init(
        scenario: LabScenario,
        role: LabScenario.Role,
        fixed: Bool,
        port: UInt16,
        count: Int,
        parent: Int32,
        netns: String? = nil,
        inheritedFD: Int32? = nil,
        rate: Double? = nil
    ) {
        self.scenario = scenario
        self.role = role
        self.fixed = fixed
        self.port = port
        self.count = count
        self.parent = parent
        self.netns = netns
        self.inheritedFD = inheritedFD
        self.rate = rate
    }

    /// The words after `lab _role`.
    var arguments: [String] {
        var words = [
            scenario.id, role.rawValue, "fixed=\(fixed ? 1 : 0)", "port=\(port)", "count=\(count)", "parent=\(parent)",
        ]
        if let netns { words.append("netns=\(netns)") }
        if let inheritedFD { words.append("fd=\(inheritedFD)") }
        if let rate { words.append("rate=\(rate)") }
        return words
    }

    /// Decodes the words after `lab _role`.
    ///
    /// - Throws: `LabError.Code.badRoleArguments` naming the word it could not use.
    public init(arguments: [String]) throws(LabError) {
        guard arguments.count >= 2 else {
            throw LabError(
                .badRoleArguments,
                "lab _role needs SCENARIO ROLE key=value..., got \(arguments.count) words"
            )
        }
        scenario = try LabScenario.named(arguments[0])
        guard let role = LabScenario.Role(rawValue: arguments[1]) else {
            throw LabError(.badRoleArguments, "lab _role: unknown role '\(arguments[1])'")
        }
        self.role = role
        let fields = try Self.fields(arguments.dropFirst(2))
        fixed = try Self.number(fields, "fixed", Int.self) == 1
        port = try Self.number(fields, "port", UInt16.self) ?? 0
        count = try Self.number(fields, "count", Int.self) ?? 0
        parent = try Self.number(fields, "parent", Int32.self) ?? 0
        netns = fields["netns"]
        inheritedFD = try Self.number(fields, "fd", Int32.self)
        if let text = fields["rate"] {
            guard let value = Double(text), value > 0, value.isFinite else {
                throw LabError(.badRoleArguments, "lab _role: rate=\(text) is not a positive number")
            }
            rate = value
        }
        guard scenario.commands[role] != nil else {
            throw LabError(.badRoleArguments, "lab _role: \(scenario.id) has no \(role.rawValue) role")
        }
    }

    private static func fields(_ words: ArraySlice<String>) throws(LabError) -> [String: String] {
        var fields: [String: String] = [:]
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw LabError(.badRoleArguments, "lab _role: '\(word)' is not key=value") }
            fields[String(parts[0])] = String(parts[1])
        }
        return fields
    }

    private static func number<T: FixedWidthInteger>(
        _ fields: [String: String],
        _ key: String,
        _: T.Type
    ) throws(LabError) -> T? {
        guard let text = fields[key] else { return nil }
        guard let value = T(text) else {
            throw LabError(.badRoleArguments, "lab _role: \(key)=\(text) is not a number")
        }
        return value
    }
}
