import Glibc

/// The entry point of a role process: `tcpdoctor lab _role SCENARIO ROLE key=value...`.
public enum LabRoleMain {
    /// Runs the role described by `arguments` and returns the process exit status.
    ///
    /// The role dies with its parent (PR_SET_PDEATHSIG), names itself (PR_SET_NAME) so that
    /// `tcpdoctor sockets` and `doctor` show a recognisable command, enters the lab's network
    /// namespace if it has one, then does its work and holds until its lifeline closes. Errors are
    /// reported on the report pipe (`error MESSAGE`) and on standard error.
    public static func run(arguments: [String]) -> Int32 {
        let spec: LabRoleSpec
        do {
            spec = try LabRoleSpec(arguments: arguments)
        } catch {
            fail(error.description)
            return 2
        }
        let context = RoleContext(lifeline: spec.role == .handler ? nil : 0)
        do {
            try LabSystem.dieWithParent()
            // The parent may have died before PR_SET_PDEATHSIG took effect: then no signal comes.
            guard spec.parent == 0 || getppid() == spec.parent else { return 1 }
            try LabSystem.setCommandName(spec.scenario.command(of: spec.role))
            if let netns = spec.netns { try LabSystem.enterNamespace(named: netns) }
            switch spec.role {
            case .server:
                var server = LabServerRole(spec: spec, context: context)
                try server.run()
            case .client:
                var client = LabClientRole(spec: spec, context: context)
                try client.run()
            case .handler:
                try LabHandlerRole(spec: spec, context: context).run()
            }
            return 0
        } catch is RoleStopped {
            return 0
        } catch let error as LabError {
            fail("\(spec.scenario.command(of: spec.role)): \(error.description)")
            return 1
        } catch {
            fail("\(spec.scenario.command(of: spec.role)): \(error)")
            return 1
        }
    }

    private static func fail(_ message: String) {
        LabSystem.writeLine(1, "error \(message)")
        LabSystem.writeLine(2, "error: \(message)")
    }
}
