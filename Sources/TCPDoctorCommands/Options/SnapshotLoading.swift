import ArgumentParser
import TCPDoctorCore
import TCPDoctorLinux

/// Reads a snapshot for a command, turning failures into a `CommandFailure` with a documented exit code.
enum SnapshotLoading {
    static func read(_ request: SnapshotRequest) throws -> Snapshot {
        do {
            return try SnapshotReader.read(request)
        } catch {
            let notes =
                error.code == .permissionDenied
                ? ["Run tcpdoctor as root (or with CAP_NET_ADMIN and CAP_SYS_PTRACE) to read it."] : []
            throw CommandFailure(ExitStatus.systemUnreadable, error.description, notes: notes)
        }
    }

    /// Says on standard error what the snapshot could not see, so that no output is silently partial.
    static func reportCoverage(_ coverage: Coverage) {
        for reason in coverage.reasons { Diagnostics.warn(reason) }
    }
}
