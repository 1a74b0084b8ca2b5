/// The kernel's protocol counters from `/proc/net/snmp` and `/proc/net/netstat`.
///
/// Both files are pairs of lines, a header naming the counters and a line of values:
///
///     TcpExt: SyncookiesSent SyncookiesRecv ... ListenOverflows ListenDrops ...
///     TcpExt: 0 0 ... 12 12 ...
///
/// The doctor reads counters such as `TcpExt ListenOverflows` (accept queue full) or
/// `Tcp RetransSegs` by section and name: `counters["TcpExt", "ListenOverflows"]`.
public struct KernelCounters: Sendable, Hashable {
    /// Values by section (`Tcp`, `TcpExt`, `IpExt`, ...) and counter name.
    public var sections: [String: [String: Int64]]

    public init(sections: [String: [String: Int64]] = [:]) {
        self.sections = sections
    }

    public subscript(section: String, name: String) -> Int64? { sections[section]?[name] }

    /// Adds the sections of another file (netstat to snmp).
    public mutating func merge(_ other: KernelCounters) {
        for (section, values) in other.sections { sections[section, default: [:]].merge(values) { _, new in new } }
    }

    /// Parses the text of `/proc/net/snmp` or `/proc/net/netstat`.
    ///
    /// Values are signed: `Tcp: MaxConn` is -1 ("no limit").
    ///
    /// - Throws: `LinuxError.malformedProcData` naming the file and line when a header has no
    ///   value line, the two lines name different sections or have different lengths, or a value
    ///   is not a number.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(LinuxError) -> KernelCounters {
        var result = KernelCounters()
        var header: (section: String, names: [String], line: Int)?
        try ProcBytes.forEachLine(bytes) { line, number throws(LinuxError) in
            if line.allSatisfy(ProcBytes.isSpace) { return }
            func bad(_ problem: String) -> LinuxError {
                LinuxError(.malformedProcData, "\(file) line \(number): \(problem): \(ProcBytes.excerpt(line))")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                throw bad("expected \"Section: ...\"")
            }
            let section = ProcBytes.string(UnsafeRawBufferPointer(rebasing: line[..<colon]))
            let rest = UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])
            guard let names = header else {
                var list: [String] = []
                try forEachWord(rest) { word throws(LinuxError) in list.append(ProcBytes.string(word)) }
                header = (section, list, number)
                return
            }
            header = nil
            guard names.section == section else {
                throw bad("values for \(section) follow the header of \(names.section) (line \(names.line))")
            }
            var values: [String: Int64] = [:]
            values.reserveCapacity(names.names.count)
            var index = 0
            try forEachWord(rest) { word throws(LinuxError) in
                guard index < names.names.count else {
                    throw bad("more values than the \(names.names.count) names of line \(names.line)")
                }
                guard let value = ProcBytes.signedDecimal(word) else {
                    throw bad("value of \(names.names[index]) is not a number")
                }
                values[names.names[index]] = value
                index += 1
            }
            guard index == names.names.count else {
                throw bad("\(index) values for the \(names.names.count) names of line \(names.line)")
            }
            result.sections[section, default: [:]].merge(values) { _, new in new }
        }
        if let header {
            throw LinuxError(
                .malformedProcData,
                "\(file) line \(header.line): \(header.section) header has no value line"
            )
        }
        return result
    }

    /// Reads and merges `/proc/net/snmp` and `/proc/net/netstat`.
    ///
    /// - Parameter directory: `/proc/net`, or `/proc/PID/net` for another namespace.
    public static func read(directory: String = "/proc/net") throws(LinuxError) -> KernelCounters {
        var result = KernelCounters()
        for name in ["snmp", "netstat"] {
            let path = "\(directory)/\(name)"
            switch readProcFile(path) {
            case .success(let bytes):
                result.merge(try bytes.withBytes { bytes throws(LinuxError) in try parse(bytes, file: path) })
            case .failure(let error):
                throw LinuxError(.procfsUnreadable, "cannot read \(path)", errno: error)
            }
        }
        return result
    }

    /// Calls `body` with each whitespace-separated word of `text`.
    static func forEachWord(
        _ text: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws(LinuxError) -> Void
    ) throws(LinuxError) {
        var index = 0
        while index < text.count {
            while index < text.count && ProcBytes.isSpace(text[index]) { index += 1 }
            let start = index
            while index < text.count && !ProcBytes.isSpace(text[index]) { index += 1 }
            if index > start { try body(UnsafeRawBufferPointer(rebasing: text[start..<index])) }
        }
    }
}
