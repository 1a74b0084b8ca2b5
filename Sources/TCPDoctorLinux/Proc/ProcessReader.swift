import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Reads what tcpdoctor shows about a process from `/proc/PID`: names, uid, parent, fd limit,
/// network namespace.
///
/// Processes come and go while they are read; one that has gone is `nil`, never an error, and
/// a file that only privilege would open (`ns/net` of another user's process) leaves its field
/// unknown rather than failing the whole process.
public struct ProcessReader: Sendable {
    /// The procfs mount to read.
    public var procRoot: String
    /// User names for `TCPProcess.user`.
    public var users: UserDirectory

    /// - Parameters:
    ///   - procRoot: The procfs mount.
    ///   - users: User names; nil loads `/etc/passwd` once (and leaves names empty if it cannot).
    public init(procRoot: String = "/proc", users: UserDirectory? = nil) {
        self.procRoot = procRoot
        self.users = users ?? ((try? UserDirectory.load()) ?? UserDirectory())
    }

    /// Reads one process.
    ///
    /// Every file is read through one descriptor of `/proc/PID`, which stays bound to the
    /// process it was opened for (files of a process that has exited fail with ESRCH), so the
    /// details cannot mix two processes that had the same pid.
    ///
    /// - Parameters:
    ///   - pid: The process.
    ///   - openFiles: Its open fd count if already known (from `FDScan.openFiles`); nil counts
    ///     the entries of `/proc/PID/fd` (0 when they cannot be listed).
    ///   - startTime: When the process meant started (`FDScan.startTimes`); nil reads whatever
    ///     process has the pid now.
    /// - Returns: The process, or nil when it has exited, or when the pid now belongs to a
    ///   process with another start time.
    /// - Throws: `LinuxError` when a file exists but cannot be read or parsed (naming the file).
    public func read(pid: Int32, openFiles: Int? = nil, startTime: UInt64? = nil) throws(LinuxError) -> TCPProcess? {
        let base = "\(procRoot)/\(pid)"
        let directory: ProcDescriptor
        switch Result(catching: { () throws(Errno) in try ProcDescriptor(opening: base, directoryOnly: true) }) {
        case .success(let opened): directory = opened
        case .failure(let error) where error.meansVanished: return nil
        case .failure(let error): throw LinuxError(.procfsUnreadable, "cannot open \(base)", errno: error)
        }
        let fd = directory.rawValue
        guard let stat = try file("stat", of: fd, base) else { return nil }
        let started = stat.withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) }?.startTime
        if let startTime, started != startTime { return nil }
        guard let comm = try file("comm", of: fd, base, limit: 256),
            let statusBytes = try file("status", of: fd, base),
            let arguments = try file("cmdline", of: fd, base, limit: 1 << 16)
        else { return nil }
        let status = try statusBytes.withBytes { bytes throws(LinuxError) in
            try ProcessFileParsers.parseStatus(bytes, file: base + "/status")
        }
        var process = TCPProcess(
            pid: pid,
            command: comm.withUnsafeBytes { ProcessFileParsers.parseCommand($0) },
            argv: arguments.withUnsafeBytes { ProcessFileParsers.parseArguments($0) },
            uid: status.uid,
            user: users.name(of: status.uid),
            parentPID: status.parentPID
        )
        process.startTime = started
        if let limits = try file("limits", of: fd, base, optional: true) {
            let limit = try limits.withBytes { bytes throws(LinuxError) in
                try ProcessFileParsers.parseOpenFilesLimit(bytes, file: base + "/limits")
            }
            process.fileLimitSoft = limit.soft
            process.fileLimitHard = limit.hard
        }
        if case .success(let info) = "ns/net".withCString({ procStatAt(fd, $0) }) {
            process.netns = UInt64(info.st_ino)
        }
        process.openFiles = openFiles ?? countDirectoryEntries("fd", relativeTo: fd) ?? 0
        return process
    }

    /// Reads many processes, collecting those that could not be read instead of failing.
    ///
    /// - Parameters:
    ///   - pids: The processes, usually `FDScan.socketHolders`.
    ///   - openFiles: Known fd counts by pid, usually `FDScan.openFiles`.
    ///   - startTimes: When each process of the walk started, usually `FDScan.startTimes`; a pid
    ///     missing from it exited before its start time could be read, and counts as vanished.
    ///     nil reads whatever process has each pid now.
    public func read(
        pids: [Int32],
        openFiles: [Int32: Int] = [:],
        startTimes: [Int32: UInt64]? = nil
    ) -> ProcessReadResult {
        var result = ProcessReadResult()
        result.processes.reserveCapacity(pids.count)
        for pid in pids {
            do {
                let startTime = startTimes?[pid]
                if startTimes != nil && startTime == nil {
                    result.vanished += 1
                } else if let process = try read(pid: pid, openFiles: openFiles[pid], startTime: startTime) {
                    result.processes[pid] = process
                } else {
                    result.vanished += 1
                }
            } catch {
                let reason = error.code == .permissionDenied ? "permission denied" : error.description
                result.unreadable.append(Coverage.UnreadableProcess(pid: pid, command: nil, reason: reason))
            }
        }
        return result
    }

    /// The inode of a namespace file such as `/proc/PID/ns/net`, nil if it cannot be stat'ed.
    static func namespaceInode(_ path: String) -> UInt64? {
        guard case .success(let info) = path.withCString({ procStatAt(AT_FDCWD, $0) }) else { return nil }
        return UInt64(info.st_ino)
    }

    /// The bytes of file `name` of the process directory `directory` (`base` names it in
    /// messages); nil when the process has gone (or, if `optional`, when access is denied).
    private func file(
        _ name: String,
        of directory: Int32,
        _ base: String,
        limit: Int = 1 << 20,
        optional: Bool = false
    ) throws(LinuxError) -> [UInt8]? {
        switch readProcFile(name, relativeTo: directory, limit: limit) {
        case .success(let bytes): return bytes
        case .failure(let error) where error.meansVanished: return nil
        case .failure(let error) where error.meansPermissionDenied:
            if optional { return nil }
            throw LinuxError(.permissionDenied, "cannot read \(base)/\(name)", errno: error)
        case .failure(let error): throw LinuxError(.procfsUnreadable, "cannot read \(base)/\(name)", errno: error)
        }
    }
}

/// Processes read in one batch, and those that could not be.
public struct ProcessReadResult: Sendable {
    public var processes: [Int32: TCPProcess] = [:]
    /// Processes whose files could not be read or parsed.
    public var unreadable: [Coverage.UnreadableProcess] = []
    /// Processes that exited before they could be read.
    public var vanished = 0

    public init() {}
}

/// Counts the entries of a directory such as `/proc/PID/fd` (relative to `directory`, or
/// absolute); nil if it cannot be listed.
func countDirectoryEntries(_ path: String, relativeTo base: Int32 = AT_FDCWD) -> Int? {
    guard let directory = try? ProcDescriptor(opening: path, relativeTo: base, directoryOnly: true) else {
        return nil
    }
    let size = 1 << 15
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
    defer { buffer.deallocate() }
    var count = 0
    while true {
        guard case .success(let filled) = procGetDents(directory.rawValue, buffer) else { return nil }
        if filled == 0 { return count }
        do {
            try ProcBytes.forEachDirent(UnsafeRawBufferPointer(rebasing: buffer[..<filled]), in: path) { _, _ in
                count += 1
            }
        } catch {
            return nil
        }
    }
}
