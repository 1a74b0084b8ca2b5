import Glibc
import TCPDoctorSystem

extension RunningLab {
    /// Why `hold` returned.
    public enum HoldEnding: Sendable, Hashable {
        /// The requested time passed.
        case elapsed
        /// SIGINT, SIGTERM or SIGHUP arrived (the signal number).
        case signal(Int32)
        /// A role exited on its own, which a lab never does while it holds.
        case roleExited(LabProcess)
    }

    /// Holds the lab for `duration` (nil: until a signal), watching for SIGINT, SIGTERM and
    /// SIGHUP and for roles that exit.
    ///
    /// The signal handlers stay installed afterwards and only write to a pipe: call `stop()`
    /// after this returns, whatever the reason.
    public func hold(for duration: Duration?) throws(LabError) -> HoldEnding {
        let signals = try LabSignals.install()
        let deadline = duration.map { ContinuousClock.now + $0 }
        let watched = exitDescriptors
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { return .elapsed }
                let milliseconds =
                    remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
                timeout = Int32(clamping: max(milliseconds, 1))
            }
            let revents = try LabSystem.poll([signals] + watched.map(\.0), events: Int16(POLLIN), timeout: timeout)
            if revents[0] != 0 {
                var byte: UInt8 = 0
                _ = withUnsafeMutableBytes(of: &byte) { systemReadOnce(signals, $0) }
                return .signal(Int32(byte))
            }
            for (index, (_, process)) in watched.enumerated() where revents[index + 1] != 0 {
                if !drainReports(of: process.pid) { return .roleExited(process) }
            }
        }
    }
}
