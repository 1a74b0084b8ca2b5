import Glibc
import TCPDoctorCore
import TCPDoctorSystem

/// Reads what decides whether tcpdoctor may ptrace a process: Yama's scope, its own
/// capabilities, the target's uids, tracer and seccomp mode (`PtraceFacts`).
enum PtraceFactsReader {
    /// CAP_SYS_PTRACE's bit in `CapEff`.
    static let capSysPtrace = 19

    /// The facts for `pid`, or nil when it does not exist.
    static func read(pid: Int32) -> PtraceFacts? {
        guard let status = ProcText.read("/proc/\(pid)/status") else { return nil }
        let fields = ProcStatusFields.parse(status)
        let own = ProcStatusFields.parse(ProcText.read("/proc/self/status") ?? "")
        let capabilities = own["CapEff"].flatMap { UInt64($0, radix: 16) } ?? 0
        let tracer = fields["TracerPid"].flatMap { Int32($0) } ?? 0
        return PtraceFacts(
            yamaScope: ProcText.read("/proc/sys/kernel/yama/ptrace_scope").flatMap {
                Int($0.filter { !$0.isWhitespace })
            },
            hasCapSysPtrace: capabilities & (1 << capSysPtrace) != 0,
            callerUID: systemEffectiveUID(),
            targetUIDs: (fields["Uid"] ?? "").split(whereSeparator: \.isWhitespace).prefix(3).compactMap { UInt32($0) },
            tracerPID: tracer,
            tracerCommand: tracer == 0 ? nil : command(of: tracer),
            seccompMode: fields["Seccomp"].flatMap { Int($0) } ?? 0,
            isDescendant: isDescendant(pid)
        )
    }

    /// The command name (comm) of `pid`.
    static func command(of pid: Int32) -> String? {
        ProcText.read("/proc/\(pid)/comm").map { String($0.prefix { $0 != "\n" }) }
    }

    /// Whether `pid` descends from this process, following `PPid:` up to init.
    private static func isDescendant(_ pid: Int32) -> Bool {
        let own = systemOwnPID()
        var current = pid
        for _ in 0..<4096 {
            guard let text = ProcText.read("/proc/\(current)/status"),
                let parent = ProcStatusFields.parse(text)["PPid"].flatMap({ Int32($0) })
            else { return false }
            if parent == own { return true }
            if parent <= 1 { return false }
            current = parent
        }
        return false
    }
}

/// The `Key:\tvalue` lines of /proc/PID/status.
enum ProcStatusFields {
    /// Each key with its value, the whitespace around it trimmed.
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            fields[String(line[..<colon])] = String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        }
        return fields
    }
}

/// Small /proc files as text.
enum ProcText {
    /// The whole file (at most 64 KiB), or nil when it cannot be read.
    static func read(_ path: String) -> String? {
        guard case .success(let fd) = systemOpenReadOnly(path) else { return nil }
        defer { closeDescriptor(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0) }
            guard case .success(let read) = count else { return nil }
            if read == 0 { break }
            bytes += chunk.prefix(read)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Open fds of `pid`: `stat /proc/PID/fd` st_size (Linux >= 6.2), nil when unreadable.
    static func openFDCount(_ pid: Int32) -> Int? {
        guard case .success(let info) = systemStat("/proc/\(pid)/fd") else { return nil }
        return Int(info.st_size)
    }
}

/// /proc/PID/fdinfo/FD: the fd's flags.
enum FDInfo {
    /// The fds of `fds` whose `flags:` (octal) include O_CLOEXEC.
    static func closeOnExec(pid: Int32, _ fds: [Int32]) -> Set<Int32> {
        Set(fds.filter { fd in ProcText.read("/proc/\(pid)/fdinfo/\(fd)").map(isCloseOnExec) ?? false })
    }

    /// Whether an fdinfo text's `flags:` field has O_CLOEXEC (02000000).
    static func isCloseOnExec(_ text: String) -> Bool {
        guard let flags = ProcStatusFields.parse(text)["flags"], let value = Int(flags, radix: 8) else { return false }
        return value & Int(O_CLOEXEC) != 0
    }
}
