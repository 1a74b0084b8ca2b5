import Glibc
import Synchronization
import TCPDoctorSystem

/// The write end of the self-pipe that SIGINT and SIGTERM write to; -1 until installed.
private let recordPipeWriter = Atomic<Int32>(-1)

/// SIGINT and SIGTERM as bytes on a pipe, so that `record` waits for its next tick in poll(2)
/// and ends cleanly (the sample being written committed or not begun) within a second.
enum RecordSignals {
    /// Installs the handlers and returns the read end of the pipe.
    static func install() throws(CommandFailure) -> Int32 {
        guard case .success(let pipe) = systemPipe() else {
            throw CommandFailure(ExitStatus.systemUnreadable, "Could not create the signal pipe of record.")
        }
        _ = systemSetNonBlocking(pipe.write)
        _ = systemSetNonBlocking(pipe.read)
        recordPipeWriter.store(pipe.write, ordering: .sequentiallyConsistent)
        _ = systemUnblockSignals([SIGINT, SIGTERM])
        for signal in [SIGINT, SIGTERM] {
            _ = systemSetSignalHandler(signal, restart: true) { number in
                withUnsafeBytes(of: UInt8(truncatingIfNeeded: number)) {
                    _ = systemWriteOnce(recordPipeWriter.load(ordering: .relaxed), $0)
                }
            }
        }
        return pipe.read
    }

    /// Waits until `deadline` (monotonic seconds) or a signal; returns the signal, if one came.
    static func wait(_ reader: Int32, until deadline: Double) -> Int32? {
        while true {
            let remaining = deadline - systemMonotonicSeconds()
            var entries = [pollfd(fd: reader, events: Int16(POLLIN), revents: 0)]
            let timeout = remaining <= 0 ? 0 : Int32(min(remaining * 1000, 60_000).rounded(.up))
            if case .success(let ready) = systemPoll(&entries, timeout: timeout), ready > 0 {
                var byte: UInt8 = 0
                _ = withUnsafeMutableBytes(of: &byte) { systemReadOnce(reader, $0) }
                return Int32(byte)
            }
            if remaining <= 0 { return nil }
        }
    }
}
