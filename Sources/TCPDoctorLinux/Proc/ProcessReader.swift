import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore

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
    /// - Parameters:
    ///   - pid: The process.
    ///   - openFiles: Its open fd count if already known (from `FDScan.openFiles`); nil counts
    ///     the entries of `/proc/PID/fd` (0 when they cannot be listed).
    /// - Returns: The process, or nil when it has exited.
    /// - Throws: `LinuxError` when a file exists but cannot be read or parsed (naming the file).
    public func read(pid: Int32, openFiles: Int? = nil) throws(LinuxError) -> TCPProcess? {
        let base = "\(procRoot)/\(pid)"
        guard let comm = try file(base + "/comm", limit: 256),
            let statusBytes = try file(base + "/status"),
            let arguments = try file(base + "/cmdline", limit: 1 << 16)
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
        if let limits = try file(base + "/limits", optional: true) {
            let limit = try limits.withBytes { bytes throws(LinuxError) in
                try ProcessFileParsers.parseOpenFilesLimit(bytes, file: base + "/limits")
            }
            process.fileLimitSoft = limit.soft
            process.fileLimitHard = limit.hard
        }
        process.netns = Self.namespaceInode(base + "/ns/net") ?? 0
        process.openFiles = openFiles ?? countDirectoryEntries(base + "/fd") ?? 0
        return process
    }

    /// Reads many processes, collecting those that could not be read instead of failing.
    ///
    /// - Parameters:
    ///   - pids: The processes, usually `FDScan.socketHolders`.
    ///   - openFiles: Known fd counts by pid, usually `FDScan.openFiles`.
    public func read(pids: [Int32], openFiles: [Int32: Int] = [:]) -> ProcessReadResult {
        var result = ProcessReadResult()
        result.processes.reserveCapacity(pids.count)
        for pid in pids {
            do {
                if let process = try read(pid: pid, openFiles: openFiles[pid]) {
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

    /// A file's bytes; nil when the process has gone (or, if `optional`, when access is denied).
    private func file(_ path: String, limit: Int = 1 << 20, optional: Bool = false) throws(LinuxError) -> [UInt8]? {
        switch readProcFile(path, limit: limit) {
        case .success(let bytes): return bytes
        case .failure(let error) where error.meansVanished: return nil
        case .failure(let error) where error.meansPermissionDenied:
            if optional { return nil }
            throw LinuxError(.permissionDenied, "cannot read \(path)", errno: error)
        case .failure(let error): throw LinuxError(.procfsUnreadable, "cannot read \(path)", errno: error)
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

/// Counts the entries of a directory such as `/proc/PID/fd`; nil if it cannot be listed.
func countDirectoryEntries(_ path: String) -> Int? {
    guard let directory = try? ProcDescriptor(opening: path, directoryOnly: true) else { return nil }
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
