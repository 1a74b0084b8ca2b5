import TCPDoctorCore

/// Parses `/proc/net/tcp` and `/proc/net/tcp6` into the `SocketRecord`s netlink would give.
///
/// The kernel prints each line with `get_tcp4_sock` / `get_tcp6_sock` (and `get_timewait*_sock`,
/// `get_openreq*` for TIME_WAIT and SYN_RECV entries):
///
///     sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
///      0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 ...
///
/// - Addresses are the raw `__be32` words printed as host-order `%08X`: on little-endian x86
///   `0100007F` is 127.0.0.1. IPv6 prints its four 32-bit words the same way. So each word is
///   turned back into its memory bytes with `UInt32(bigEndian:)`, which is right on either
///   byte order because the file comes from the kernel we run on.
/// - Ports, state, queues, `tr`, `tm->when` and `retrnsmt` are hex; uid, timeout and inode decimal.
/// - `tx_queue` is `write_seq - snd_una`; `rx_queue` is `rcv_nxt - copied_seq`, or for a listener
///   the accept queue (`sk_ack_backlog`). Unlike netlink, a listener's backlog limit is not printed,
///   so a listener's `sendQ` is 0 here.
/// - `tm->when` is `jiffies_delta_to_clock_t(expires - jiffies)`: clock ticks of USER_HZ (100 on
///   every Linux architecture; `sysconf(_SC_CLK_TCK)`), clamped at 0 for overdue timers.
/// - `tr` is 1 retransmit (also loss probe, reorder), 2 keepalive (or FIN_WAIT2's timer),
///   3 TIME_WAIT, 4 zero window probe, 0 none. `retrnsmt` is `icsk_retransmits`; the `timeout`
///   column is `icsk_probes_out`. netlink's `idiag_retrans` is the former for timer 1 and the
///   latter for timers 2 and 4, and so is `SocketTimer.retransmits` here.
public enum ProcNetTCPParser {
    /// Parses a whole file (or the start of one) held in memory.
    ///
    /// - Parameters:
    ///   - bytes: The file's text; the header line is recognised and skipped.
    ///   - file: The path, for error messages.
    ///   - netns: The namespace inode to stamp on every record.
    ///   - clockTicksPerSecond: USER_HZ, the unit of `tm->when`.
    /// - Throws: `LinuxError.malformedProcData` naming the file and line of the first bad line.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        file: String,
        netns: UInt64 = 0,
        clockTicksPerSecond: Int = 100
    ) throws(LinuxError) -> [SocketRecord] {
        var records: [SocketRecord] = []
        try ProcBytes.forEachLine(bytes) { line, number throws(LinuxError) in
            if let record = try parseLine(
                line,
                file: file,
                lineNumber: number,
                netns: netns,
                clockTicksPerSecond: clockTicksPerSecond
            ) {
                records.append(record)
            }
        }
        return records
    }

    /// Parses one line; nil for the header and blank lines.
    ///
    /// - Throws: `LinuxError.malformedProcData` with "FILE line N: problem: excerpt".
    public static func parseLine(
        _ line: UnsafeRawBufferPointer,
        file: String,
        lineNumber: Int,
        netns: UInt64 = 0,
        clockTicksPerSecond: Int = 100
    ) throws(LinuxError) -> SocketRecord? {
        let result = withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 10) { fields in
            parseFields(line, fields, netns: netns, clockTicksPerSecond: clockTicksPerSecond)
        }
        switch result {
        case .success(let record): return record
        case .failure(let problem):
            throw LinuxError(
                .malformedProcData,
                "\(file) line \(lineNumber): \(problem.text): \(ProcBytes.excerpt(line))"
            )
        }
    }

    struct Problem: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    private static func parseFields(
        _ line: UnsafeRawBufferPointer,
        _ fields: UnsafeMutableBufferPointer<Range<Int>>,
        netns: UInt64,
        clockTicksPerSecond: Int
    ) -> Result<SocketRecord?, Problem> {
        let count = ProcBytes.fields(of: line, into: fields)
        if count == 0 { return .success(nil) }
        func field(_ index: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: line[fields[index]]) }
        if field(0).elementsEqual("sl".utf8) { return .success(nil) }
        guard count >= 10 else { return .failure(Problem("expected at least 10 fields, found \(count)")) }
        guard field(0).last == UInt8(ascii: ":"),
            ProcBytes.decimal(UnsafeRawBufferPointer(rebasing: field(0).dropLast())) != nil
        else { return .failure(Problem("slot number \"sl:\" expected first")) }
        guard let local = endpoint(field(1)) else { return .failure(Problem("bad local address")) }
        guard let remote = endpoint(field(2)) else { return .failure(Problem("bad remote address")) }
        guard local.address.family == remote.address.family else {
            return .failure(Problem("local and remote addresses of different families"))
        }
        guard field(3).count == 2, let rawState = ProcBytes.hex(field(3)),
            let state = TCPState(rawValue: UInt8(rawState))
        else { return .failure(Problem("bad state")) }
        guard let queues = pair(field(4)), queues.0 <= UInt32.max, queues.1 <= UInt32.max else {
            return .failure(Problem("bad tx_queue:rx_queue"))
        }
        guard let timer = pair(field(5)) else { return .failure(Problem("bad tr:tm->when")) }
        guard let retransmits = ProcBytes.hex(field(6)) else { return .failure(Problem("bad retrnsmt")) }
        guard let uid = ProcBytes.decimal(field(7)), uid <= UInt32.max else { return .failure(Problem("bad uid")) }
        guard let probes = ProcBytes.signedDecimal(field(8)) else { return .failure(Problem("bad timeout")) }
        guard let inode = ProcBytes.decimal(field(9)) else { return .failure(Problem("bad inode")) }
        let ticks = max(1, clockTicksPerSecond)
        let (expires, overflow) = Int64(clamping: timer.1).multipliedReportingOverflow(by: 1000)
        let milliseconds = overflow ? Int64.max : expires / Int64(ticks)
        let socketTimer: SocketTimer?
        switch timer.0 {
        case 1:
            socketTimer = SocketTimer(
                kind: .retransmit,
                expiresMilliseconds: milliseconds,
                retransmits: clamp(retransmits)
            )
        case 2, 4:
            socketTimer = SocketTimer(
                kind: timer.0 == 2 ? .keepalive : .zeroWindowProbe,
                expiresMilliseconds: milliseconds,
                retransmits: clamp(UInt64(max(0, probes)))
            )
        case 3:
            socketTimer = SocketTimer(kind: .timeWait, expiresMilliseconds: milliseconds, retransmits: 0)
        default:
            // 0 is no timer; a kind this code does not know is left out rather than misnamed.
            socketTimer = nil
        }
        return .success(
            SocketRecord(
                state: state,
                local: local,
                remote: remote,
                recvQ: UInt32(queues.1),
                sendQ: UInt32(queues.0),
                inode: inode,
                uid: UInt32(uid),
                timer: socketTimer,
                netns: netns
            )
        )
    }

    private static func clamp(_ value: UInt64) -> UInt8 { UInt8(min(value, 255)) }

    /// `HEX:HEX` as two numbers.
    private static func pair(_ text: UnsafeRawBufferPointer) -> (UInt64, UInt64)? {
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")),
            let first = ProcBytes.hex(UnsafeRawBufferPointer(rebasing: text[..<colon])),
            let second = ProcBytes.hex(UnsafeRawBufferPointer(rebasing: text[(colon + 1)...]))
        else { return nil }
        return (first, second)
    }

    /// `ADDR:PORT` with an 8- (IPv4) or 32-digit (IPv6) address of host-order words.
    static func endpoint(_ text: UnsafeRawBufferPointer) -> Endpoint? {
        guard text.count == 13 || text.count == 37, text[text.count - 5] == UInt8(ascii: ":"),
            let port = ProcBytes.hex(UnsafeRawBufferPointer(rebasing: text[(text.count - 4)...]))
        else { return nil }
        func word(_ index: Int) -> UInt32? {
            ProcBytes.hex(UnsafeRawBufferPointer(rebasing: text[(index * 8)..<(index * 8 + 8)])).map {
                UInt32(bigEndian: UInt32($0))
            }
        }
        if text.count == 13 {
            guard let value = word(0) else { return nil }
            return Endpoint(address: IPAddress(ipv4: value), port: UInt16(port))
        }
        guard let w0 = word(0), let w1 = word(1), let w2 = word(2), let w3 = word(3) else { return nil }
        let address = IPAddress(ipv6High: UInt64(w0) << 32 | UInt64(w1), low: UInt64(w2) << 32 | UInt64(w3))
        return Endpoint(address: address, port: UInt16(port))
    }
}
