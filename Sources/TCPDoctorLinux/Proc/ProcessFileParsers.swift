/// Pure parsers for the per-process files under `/proc/PID`.
///
/// Each takes the file's bytes and the path it came from (for messages), so tests replay real
/// excerpts without a process.
enum ProcessFileParsers {
    /// The state, flags and start time from `/proc/PID/stat`.
    struct StatExcerpt: Hashable, Sendable {
        /// The state letter: `R`, `S`, `D`, `Z` (zombie), `X` (dead), ...
        var state: UInt8
        /// The kernel's `task->flags` (`PF_*`).
        var flags: UInt64
        /// When the process started, in clock ticks after boot (field 22, `starttime`); nil if the
        /// line ends before it. A pid and its start time name one process: a pid reused by a
        /// later process comes with a later start time.
        var startTime: UInt64? = nil

        /// Whether the process is dying: a zombie, dead, or past `exit_signals` (`PF_EXITING`,
        /// 0x4 in include/linux/sched.h).
        var isExiting: Bool {
            state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") || state == UInt8(ascii: "x")
                || flags & 0x4 != 0
        }

        /// Whether this is a kernel thread (`PF_KTHREAD`, 0x00200000): it has no file descriptors.
        var isKernelThread: Bool { flags & 0x0020_0000 != 0 }
    }

    /// Parses the state (field 3), flags (field 9) and start time (field 22) of `/proc/PID/stat`.
    ///
    /// The command name in field 2 may contain spaces and parentheses, so fields are counted
    /// from the last `)`.
    static func parseStatExcerpt(_ bytes: UnsafeRawBufferPointer) -> StatExcerpt? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[(close + 1)...])
        // Field 3 is the first after the `)`, so field N is at index N - 3.
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 20) { ranges in
            let count = ProcBytes.fields(of: rest, into: ranges)
            guard count >= 7 else { return nil }
            let state = UnsafeRawBufferPointer(rebasing: rest[ranges[0]])
            guard state.count == 1,
                let flags = ProcBytes.decimal(UnsafeRawBufferPointer(rebasing: rest[ranges[6]]))
            else { return nil }
            let startTime = count >= 20 ? ProcBytes.decimal(UnsafeRawBufferPointer(rebasing: rest[ranges[19]])) : nil
            return StatExcerpt(state: state[0], flags: flags, startTime: startTime)
        }
    }

    /// `/proc/PID/comm` without the newline the kernel puts after it.
    ///
    /// Only that one newline goes: a process may put newlines (or any other byte but NUL) in its
    /// own name, and the name is kept as it is for the renderers to escape. Bytes that are not
    /// UTF-8 become U+FFFD, as in every String read from /proc.
    static func parseCommand(_ bytes: UnsafeRawBufferPointer) -> String {
        var end = bytes.count
        while end > 0 && bytes[end - 1] == 0 { end -= 1 }
        if end > 0 && bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        return ProcBytes.string(UnsafeRawBufferPointer(rebasing: bytes[..<end]))
    }

    /// `/proc/PID/cmdline` split into the process's arguments at its NULs.
    ///
    /// Each argument ends with a NUL; arguments are kept whole, with their spaces and any other
    /// bytes (the renderers escape them). Empty arguments inside are kept (`prog "" x`), but
    /// empty ones at the end are dropped: they are the NUL padding of a process that rewrote its
    /// argv area in place (setproctitle, "nginx: worker process"), far more often than a real
    /// empty last argument. Empty for kernel threads and zombies, whose cmdline file is empty.
    static func parseArguments(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var end = bytes.count
        while end > 0 && bytes[end - 1] == 0 { end -= 1 }
        guard end > 0 else { return [] }
        return bytes[..<end].split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// The real uid (first of the four `Uid:` values) and `PPid:` of `/proc/PID/status`.
    ///
    /// - Throws: `LinuxError.malformedProcData` naming the file and line when either is missing
    ///   or not a number.
    static func parseStatus(
        _ bytes: UnsafeRawBufferPointer,
        file: String
    ) throws(LinuxError) -> (uid: UInt32, parentPID: Int32) {
        var uid: UInt32?
        var parentPID: Int32?
        try ProcBytes.forEachLine(bytes) { line, number throws(LinuxError) in
            if let value = try field(line, key: "Uid:", file: file, line: number) {
                guard value <= UInt64(UInt32.max) else { throw bad(file, number, line, "uid out of range") }
                uid = UInt32(value)
            } else if let value = try field(line, key: "PPid:", file: file, line: number) {
                guard value <= UInt64(Int32.max) else { throw bad(file, number, line, "pid out of range") }
                parentPID = Int32(value)
            }
        }
        guard let uid else { throw LinuxError(.malformedProcData, "\(file): no Uid line") }
        guard let parentPID else { throw LinuxError(.malformedProcData, "\(file): no PPid line") }
        return (uid, parentPID)
    }

    /// The first number after `key` on a status line, nil if the line has another key.
    private static func field(
        _ line: UnsafeRawBufferPointer,
        key: StaticString,
        file: String,
        line number: Int
    ) throws(LinuxError) -> UInt64? {
        let keyLength = key.utf8CodeUnitCount
        guard line.count >= keyLength,
            key.withUTF8Buffer({ $0.elementsEqual(line.prefix(keyLength)) })
        else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: line[keyLength...])
        return try withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 1) { ranges throws(LinuxError) in
            guard ProcBytes.fields(of: rest, into: ranges) >= 1,
                let value = ProcBytes.decimal(UnsafeRawBufferPointer(rebasing: rest[ranges[0]]))
            else { throw bad(file, number, line, "expected a number after \(key)") }
            return value
        }
    }

    /// The soft and hard `RLIMIT_NOFILE` from the `Max open files` line of `/proc/PID/limits`;
    /// nil for `unlimited`.
    ///
    /// - Throws: `LinuxError.malformedProcData` when the line is missing or its values are not
    ///   numbers or `unlimited`.
    static func parseOpenFilesLimit(
        _ bytes: UnsafeRawBufferPointer,
        file: String
    ) throws(LinuxError) -> (soft: UInt64?, hard: UInt64?) {
        let key: StaticString = "Max open files"
        var result: (soft: UInt64?, hard: UInt64?)?
        try ProcBytes.forEachLine(bytes) { line, number throws(LinuxError) in
            guard result == nil, line.count > key.utf8CodeUnitCount,
                key.withUTF8Buffer({ $0.elementsEqual(line.prefix(key.utf8CodeUnitCount)) })
            else { return }
            let rest = UnsafeRawBufferPointer(rebasing: line[key.utf8CodeUnitCount...])
            result = try withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 3) {
                ranges throws(LinuxError) in
                guard ProcBytes.fields(of: rest, into: ranges) >= 2 else {
                    throw bad(file, number, line, "expected soft and hard limits")
                }
                let soft = try limit(UnsafeRawBufferPointer(rebasing: rest[ranges[0]]), file, number, line)
                let hard = try limit(UnsafeRawBufferPointer(rebasing: rest[ranges[1]]), file, number, line)
                return (soft, hard)
            }
        }
        guard let result else { throw LinuxError(.malformedProcData, "\(file): no \"Max open files\" line") }
        return result
    }

    private static func limit(
        _ value: UnsafeRawBufferPointer,
        _ file: String,
        _ lineNumber: Int,
        _ line: UnsafeRawBufferPointer
    ) throws(LinuxError) -> UInt64? {
        if value.elementsEqual("unlimited".utf8) { return nil }
        guard let limit = ProcBytes.decimal(value) else {
            throw bad(file, lineNumber, line, "limit is neither a number nor \"unlimited\"")
        }
        return limit
    }

    private static func bad(
        _ file: String,
        _ number: Int,
        _ line: UnsafeRawBufferPointer,
        _ problem: String
    ) -> LinuxError {
        LinuxError(.malformedProcData, "\(file) line \(number): \(problem): \(ProcBytes.excerpt(line))")
    }
}
