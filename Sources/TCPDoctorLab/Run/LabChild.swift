import Glibc

/// One role process the orchestrator started, with its report pipe and its lifeline.
///
/// The orchestrator owns three things per child: the pid (to reap), the read end of the
/// child's standard output (reports, and end-of-file when the child exits), and the write end
/// of the child's standard input (the lifeline: closing it asks the child to clean up and exit).
/// `terminate` closes the lifeline, waits for the exit through the report pipe, escalates to
/// SIGKILL if the child does not leave in time, and reaps it; `deinit` does the same.
final class LabChild {
    let role: LabScenario.Role
    let pid: pid_t
    let command: String
    private var lifeline: Int32
    private var reports: Int32
    private var pending: [UInt8] = []
    private var reaped = false

    private init(role: LabScenario.Role, pid: pid_t, command: String, lifeline: Int32, reports: Int32) {
        self.role = role
        self.pid = pid
        self.command = command
        self.lifeline = lifeline
        self.reports = reports
    }

    deinit { terminate(grace: .seconds(2)) }

    /// Starts `executable lab _role ...` for `spec`.
    static func spawn(executable: String, spec: LabRoleSpec) throws(LabError) -> LabChild {
        let lifeline = try LabSystem.pipe()
        let reports: (read: Int32, write: Int32)
        do {
            reports = try LabSystem.pipe()
        } catch {
            LabSystem.close(lifeline.read)
            LabSystem.close(lifeline.write)
            throw error
        }
        // The child's ends are closed here once it has them, whatever happens.
        defer {
            LabSystem.close(lifeline.read)
            LabSystem.close(reports.write)
        }
        let pid: pid_t
        do {
            pid = try LabSystem.spawn(
                executable,
                [executable, "lab", "_role"] + spec.arguments,
                stdin: lifeline.read,
                stdout: reports.write,
                newGroup: true
            )
        } catch {
            LabSystem.close(lifeline.write)
            LabSystem.close(reports.read)
            throw error
        }
        return LabChild(
            role: spec.role,
            pid: pid,
            command: spec.scenario.command(of: spec.role),
            lifeline: lifeline.write,
            reports: reports.read
        )
    }

    /// The report descriptor, for polling several children at once.
    var reportDescriptor: Int32 { reports }

    /// A complete line already read, if any.
    func takeLine() -> String? {
        guard let newline = pending.firstIndex(of: 10) else { return nil }
        let line = String(decoding: pending[..<newline], as: UTF8.self)
        pending.removeSubrange(...newline)
        return line
    }

    /// Reads what the pipe holds now; false at end-of-file (the child exited).
    func readAvailable() throws(LabError) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        switch try LabSystem.readNow(reports, into: &buffer, socket: false) {
        case .bytes(let count):
            pending.append(contentsOf: buffer[0..<count])
            return true
        case .nothingYet: return true
        case .endOfFile: return false
        }
    }

    /// Writes a go-ahead line on the lifeline, for roles that wait for another role's step.
    func sendGo() throws(LabError) {
        try LabSystem.writeByte(lifeline, 10)
    }

    /// Asks the child to exit (closes the lifeline), waits up to `grace` for it, kills it with
    /// SIGKILL if it is still there, and reaps it. Idempotent.
    func terminate(grace: Duration) {
        guard !reaped else { return }
        LabSystem.close(lifeline)
        lifeline = -1
        let deadline = ContinuousClock.now + grace
        var exited = false
        while !exited {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { break }
            let milliseconds = Int32(
                clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
            )
            guard let revents = try? LabSystem.poll([reports], events: Int16(POLLIN), timeout: max(milliseconds, 1))
            else { break }
            if revents[0] == 0 { continue }
            // Drain the reports; end-of-file means the child has exited (or is exiting).
            exited = (try? readAvailable()) != true
        }
        if !exited { LabSystem.signal(pid, SIGKILL) }
        LabSystem.reap(pid)
        LabSystem.close(reports)
        reports = -1
        reaped = true
    }
}
