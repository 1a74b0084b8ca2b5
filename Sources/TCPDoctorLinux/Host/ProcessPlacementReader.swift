import TCPDoctorCore

/// Where processes run, for `doctor --config`: their cgroup, read from `/proc/PID/cgroup`.
public enum ProcessPlacementReader {
    /// The placement of each pid whose cgroup file could be read; a process that has gone or
    /// whose file is unreadable is left out (the advice then takes it for a session's, and says
    /// which file it would write).
    public static func placements(
        of pids: some Sequence<Int32>,
        procRoot: String = "/proc"
    ) -> [Int32: ProcessPlacement] {
        var result: [Int32: ProcessPlacement] = [:]
        for pid in pids where result[pid] == nil {
            guard case .success(let bytes) = readProcFile("\(procRoot)/\(pid)/cgroup", limit: 1 << 16) else { continue }
            result[pid] = ProcessPlacement(cgroupFile: String(decoding: bytes, as: UTF8.self))
        }
        return result
    }
}
