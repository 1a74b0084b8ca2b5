import Glibc
import TCPDoctorSystem

/// Thrown inside a role when its lifeline closed: the orchestrator stopped the lab or died.
struct RoleStopped: Error {}

/// A role process's side of the protocol with the orchestrator.
///
/// Standard output is the report pipe: one line per event (`ready port=P`, `settled k=v...`,
/// `error MESSAGE`). Standard input is the lifeline: the orchestrator never writes to it, and
/// when it closes (stop, or the orchestrator's death, even by SIGKILL) every wait in the role
/// returns and the role cleans up and exits. Every blocking step waits through `wait(for:)`, so a
/// role never sits in a call the lifeline cannot interrupt.
struct RoleContext {
    /// The lifeline descriptor; nil for handlers, which the server kills instead.
    let lifeline: Int32?
    let reports: Int32 = 1

    /// Writes one report line.
    func report(_ keyword: String, _ fields: [(String, String)] = []) {
        let words = [keyword] + fields.map { "\($0.0)=\($0.1)" }
        LabSystem.writeLine(reports, words.joined(separator: " "))
    }

    /// Waits until `fd` has one of `events` (or an error or hang-up) and returns its revents.
    ///
    /// - Throws: `RoleStopped` when the lifeline closes first; `LabError` when poll fails.
    @discardableResult
    func wait(for fd: Int32, events: Int16 = Int16(POLLIN)) throws -> Int16 {
        guard let lifeline else { return try LabSystem.poll([fd], events: events, timeout: -1)[0] }
        while true {
            let revents = try LabSystem.poll([fd, lifeline], events: events, timeout: -1)
            if revents[1] != 0 { throw RoleStopped() }
            if revents[0] != 0 { return revents[0] }
        }
    }

    /// Waits at most `timeout` milliseconds for `fd` to have one of `events`: true if it does.
    ///
    /// - Throws: `RoleStopped` when the lifeline closes first; `LabError` when poll fails.
    func wait(for fd: Int32, events: Int16, timeout: Int32) throws -> Bool {
        let revents = try LabSystem.poll([fd] + (lifeline.map { [$0] } ?? []), events: events, timeout: timeout)
        if revents.count > 1 && revents[1] != 0 { throw RoleStopped() }
        return revents[0] != 0
    }

    /// Waits for the orchestrator's go-ahead: a line on the lifeline.
    ///
    /// - Throws: `RoleStopped` when the lifeline closes instead.
    func waitForGo() throws {
        guard let lifeline else { return }
        var buffer: [UInt8] = [0]
        while true {
            _ = try LabSystem.poll([lifeline], events: Int16(POLLIN), timeout: -1)
            switch try LabSystem.readNow(lifeline, into: &buffer, socket: false) {
            case .endOfFile: throw RoleStopped()
            case .bytes where buffer[0] == 10: return
            case .bytes, .nothingYet: continue
            }
        }
    }

    /// Waits until `deadline` (monotonic seconds).
    ///
    /// - Throws: `RoleStopped` when the lifeline closes first; `LabError` when poll fails.
    func pause(until deadline: Double) throws {
        while true {
            let remaining = deadline - systemMonotonicSeconds()
            guard remaining > 0 else { return }
            guard let lifeline else {
                _ = try LabSystem.poll([], events: 0, timeout: Int32((remaining * 1000).rounded(.up)))
                continue
            }
            let revents = try LabSystem.poll(
                [lifeline],
                events: Int16(POLLIN),
                timeout: Int32((remaining * 1000).rounded(.up))
            )
            if revents[0] != 0 { throw RoleStopped() }
        }
    }

    /// Holds until the lifeline closes.
    func hold() {
        guard let lifeline else { return }
        while true {
            guard let revents = try? LabSystem.poll([lifeline], events: Int16(POLLIN), timeout: -1) else { return }
            if revents[0] != 0 { return }
        }
    }

    /// Accepts the next connection once the listener is readable.
    func accept(_ listener: Int32) throws -> Int32 {
        try wait(for: listener)
        return try LabSystem.accept(listener)
    }

    /// Waits until the peer's FIN has arrived, without reading anything (POLLRDHUP).
    func waitForPeerClose(_ fd: Int32) throws {
        try wait(for: fd, events: LabSystem.pollReadHangUp)
    }

    /// Reads exactly `count` bytes; fewer means EOF came first.
    func receive(_ fd: Int32, exactly count: Int) throws -> Int {
        try wait(for: fd)
        return try LabSystem.receive(fd, exactly: count)
    }

    /// Reads and discards to EOF, waiting through the lifeline between reads.
    func readToEOF(_ fd: Int32) throws {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            try wait(for: fd)
            if try LabSystem.readNow(fd, into: &buffer, socket: true) == .endOfFile { return }
        }
    }
}
