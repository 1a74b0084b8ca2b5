import TCPDoctorCore
import TCPDoctorOutput

/// The socket fds in no kernel table that could not be confirmed as dead, for the `sockets` and
/// `doctor` tables (the JSON is `UnverifiedSocketFDsJSON`).
///
/// They are never findings; they are shown so that a gap is not silent, with the reason a person
/// can act on (run as root, wait for the fd to go idle).
enum UnverifiedSocketFDsOutput {
    /// A heading and one line per fd; nothing when there are none.
    static func writeText(
        _ fds: [UnverifiedSocketFD],
        snapshot: Snapshot,
        style: TerminalStyle,
        to out: inout OutputBuffer
    ) {
        guard !fds.isEmpty else { return }
        out.write("\n")
        out.write(
            style.bold("Socket fds in no kernel table that could not be confirmed as dead (not reported as a leak):")
        )
        out.write("\n")
        var table = TextTable([
            .right("PID"), .right("FD"), .right("Inode"), .left("Command"), .left("Reason"), .left("Detail"),
        ])
        for fd in fds {
            let command = snapshot.processes[fd.owner.pid]?.command ?? "?"
            table.append(["\(fd.owner.pid)", "\(fd.owner.fd)", "\(fd.inode)", command, fd.reason.rawValue, fd.detail])
        }
        table.write(to: &out, style: style)
    }
}
