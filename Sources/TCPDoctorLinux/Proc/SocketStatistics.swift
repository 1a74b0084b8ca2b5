/// `/proc/net/sockstat` (and `sockstat6`): socket counts by protocol.
///
/// Each line is `PROTO: key value key value ...`. For TCP, `alloc` exceeding `inuse` (plus the
/// TCP6 `inuse` of sockstat6) means sockets that exist but are in no table: orphans on their way
/// out, or sockets the kernel reset while an application still holds the fd.
public struct SocketStatistics: Sendable, Hashable {
    /// The kernel's `TCP:` line.
    public struct TCP: Sendable, Hashable {
        /// `inuse`: IPv4 TCP sockets in the tables of this namespace (IPv6 ones are `TCP6 inuse`).
        public var inUse: Int64
        /// `orphan`: sockets no longer attached to any file (closed by the application, still
        /// finishing their close), host-wide.
        public var orphaned: Int64
        /// `tw`: TIME_WAIT sockets.
        public var timeWait: Int64
        /// `alloc`: TCP sockets allocated, IPv4 and IPv6, host-wide.
        public var allocated: Int64
        /// `mem`: pages of memory TCP uses, host-wide.
        public var memoryPages: Int64

        public init(inUse: Int64, orphaned: Int64, timeWait: Int64, allocated: Int64, memoryPages: Int64) {
            self.inUse = inUse
            self.orphaned = orphaned
            self.timeWait = timeWait
            self.allocated = allocated
            self.memoryPages = memoryPages
        }
    }

    /// Every line's values: `sections["TCP"]?["inuse"]`.
    public var sections: [String: [String: Int64]]

    public init(sections: [String: [String: Int64]] = [:]) {
        self.sections = sections
    }

    public subscript(section: String, key: String) -> Int64? { sections[section]?[key] }

    /// The `TCP:` line, when it has all of `inuse orphan tw alloc mem`.
    public var tcp: TCP? {
        guard let line = sections["TCP"], let inUse = line["inuse"], let orphaned = line["orphan"],
            let timeWait = line["tw"], let allocated = line["alloc"], let memoryPages = line["mem"]
        else { return nil }
        return TCP(inUse: inUse, orphaned: orphaned, timeWait: timeWait, allocated: allocated, memoryPages: memoryPages)
    }

    /// `TCP6: inuse` from sockstat6, when merged in.
    public var tcp6InUse: Int64? { sections["TCP6"]?["inuse"] }

    /// Adds the sections of another file (sockstat6 to sockstat).
    public mutating func merge(_ other: SocketStatistics) {
        sections.merge(other.sections) { _, new in new }
    }

    /// Parses the text of a sockstat file.
    ///
    /// - Throws: `LinuxError.malformedProcData` naming the file and line.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(LinuxError) -> SocketStatistics {
        var result = SocketStatistics()
        try ProcBytes.forEachLine(bytes) { line, number throws(LinuxError) in
            if line.allSatisfy(ProcBytes.isSpace) { return }
            func bad(_ problem: String) -> LinuxError {
                LinuxError(.malformedProcData, "\(file) line \(number): \(problem): \(ProcBytes.excerpt(line))")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                throw bad("expected \"NAME: key value ...\"")
            }
            let section = ProcBytes.string(UnsafeRawBufferPointer(rebasing: line[..<colon]))
            let rest = UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])
            var values: [String: Int64] = [:]
            var key: String?
            try KernelCounters.forEachWord(rest) { word throws(LinuxError) in
                if let pending = key {
                    guard let value = ProcBytes.signedDecimal(word) else {
                        throw bad("value of \(pending) is not a number")
                    }
                    values[pending] = value
                    key = nil
                } else {
                    key = ProcBytes.string(word)
                }
            }
            if let key { throw bad("\(key) has no value") }
            result.sections[section] = values
        }
        return result
    }

    /// Reads `/proc/net/sockstat` and, when present, `/proc/net/sockstat6`.
    ///
    /// - Parameter directory: `/proc/net`, or `/proc/PID/net` for another namespace.
    public static func read(directory: String = "/proc/net") throws(LinuxError) -> SocketStatistics {
        var result = try readFile("\(directory)/sockstat")
        if let six = try? readFile("\(directory)/sockstat6") { result.merge(six) }
        return result
    }

    private static func readFile(_ path: String) throws(LinuxError) -> SocketStatistics {
        switch readProcFile(path) {
        case .success(let bytes):
            return try bytes.withBytes { bytes throws(LinuxError) in try parse(bytes, file: path) }
        case .failure(let error): throw LinuxError(.procfsUnreadable, "cannot read \(path)", errno: error)
        }
    }
}
