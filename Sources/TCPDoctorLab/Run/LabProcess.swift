/// One process of a running lab: its role, pid and command name.
public struct LabProcess: Sendable, Hashable {
    public var role: LabScenario.Role
    public var pid: Int32
    /// The name in `/proc/PID/comm`, which `tcpdoctor sockets` and `doctor` show.
    public var command: String

    public init(role: LabScenario.Role, pid: Int32, command: String) {
        self.role = role
        self.pid = pid
        self.command = command
    }
}
