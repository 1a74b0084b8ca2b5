import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Reads TCP sockets from `/proc/net/tcp{,6}`: the fallback when netlink sock_diag is unavailable.
///
/// It is slower than netlink (text formatting in the kernel, parsing here) and has no cookies,
/// tcp_info or shutdown state. Its one reach beyond the host namespace needs no `setns`:
/// `/proc/PID/net/tcp` shows the sockets of `PID`'s network namespace.
public struct ProcNetTCPReader: Sendable {
    /// USER_HZ, the unit of `tm->when`; from `sysconf(_SC_CLK_TCK)`, else 100.
    public var clockTicksPerSecond: Int

    public init(clockTicksPerSecond: Int? = nil) {
        self.clockTicksPerSecond = clockTicksPerSecond ?? procClockTicksPerSecond() ?? 100
    }

    /// Reads one file such as `/proc/net/tcp6` or `/proc/1234/net/tcp`.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - netns: The inode of the namespace the file describes, stamped on every record.
    /// - Throws: `LinuxError` naming the file (and line, for bad content).
    public func read(path: String, netns: UInt64 = 0) throws(LinuxError) -> [SocketRecord] {
        var records: [SocketRecord] = []
        let ticks = clockTicksPerSecond
        try ProcLineStream.forEachLine(ofFile: path) { line, number throws(LinuxError) in
            if let record = try ProcNetTCPParser.parseLine(
                line,
                file: path,
                lineNumber: number,
                netns: netns,
                clockTicksPerSecond: ticks
            ) {
                records.append(record)
            }
        }
        return records
    }

    /// Reads IPv4 then IPv6 sockets of one namespace.
    ///
    /// `/proc/net` follows the main thread's namespace; a caller that has `setns`'d one thread
    /// passes `directory: "/proc/thread-self/net"`. A missing `tcp6` (IPv6 disabled at boot)
    /// means no IPv6 sockets, not an error.
    ///
    /// - Parameters:
    ///   - directory: `/proc/net`, `/proc/PID/net` or `/proc/thread-self/net`.
    ///   - netns: The namespace's inode, stamped on every record.
    public func readNamespace(directory: String = "/proc/net", netns: UInt64 = 0) throws(LinuxError) -> [SocketRecord] {
        var records = try read(path: "\(directory)/tcp", netns: netns)
        do {
            records += try read(path: "\(directory)/tcp6", netns: netns)
        } catch let error where error.errno == .noSuchFileOrDirectory {
            // No IPv6 in this kernel or namespace.
        }
        return records
    }
}
