import Glibc
import TCPDoctorCapture
import TCPDoctorCore

/// `tcpdoctor capture --zeek`: the connections as Zeek's conn.log, in Zeek's ASCII (TSV) format
/// or, with `--json`, as Zeek's JSON lines, so that the two can be diffed column by column.
///
/// Only the columns tcpdoctor can fill are written, under Zeek's names and types: `zeek-cut`
/// and diffs by column name work on both files. Values follow Zeek's writers: times and
/// intervals with 6 decimals (TSV) or as plain numbers (JSON), `-` for an unset field (JSON
/// leaves it out). As in Zeek's `set_conn`, `duration`, `orig_bytes` and `resp_bytes` are unset
/// when the duration is zero, and `history` when it is empty. The `uid` is derived from the
/// connection (its endpoints and first packet), so runs agree with each other; Zeek's own are
/// random and cannot match. See docs/zeek.md for where the values differ from Zeek's.
struct ZeekConnLog {
    static let fields = [
        "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration", "orig_bytes",
        "resp_bytes", "conn_state", "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts",
        "resp_ip_bytes",
    ]
    static let types = [
        "time", "string", "addr", "port", "addr", "port", "enum", "interval", "count", "count", "string", "count",
        "string", "count", "count", "count", "count",
    ]

    /// The header Zeek's ASCII writer puts in front of the rows; `openedNanoseconds` is the
    /// `#open` time (Zeek writes the local time; this writes UTC).
    static func header(openedNanoseconds: Int64) -> String {
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
            + "#open\t\(stamp(openedNanoseconds))\n#fields\t\(fields.joined(separator: "\t"))\n"
            + "#types\t\(types.joined(separator: "\t"))\n"
    }

    /// Zeek's last line of a log.
    static func footer(closedNanoseconds: Int64) -> String { "#close\t\(stamp(closedNanoseconds))\n" }

    /// One row: the values in `fields` order, in Zeek's roles.
    static func values(_ connection: Connection) -> [String?] {
        let swapped = connection.zeekRolesSwapped
        let originator = swapped ? connection.responder : connection.originator
        let responder = swapped ? connection.originator : connection.responder
        let originatorStats = swapped ? connection.responderStats : connection.originatorStats
        let responderStats = swapped ? connection.originatorStats : connection.responderStats
        let durationNanoseconds = connection.lastTimestampNanoseconds - connection.firstTimestampNanoseconds
        let timed = durationNanoseconds > 0
        let history = connection.zeekHistory ?? ""
        return [
            decimal(connection.firstTimestampNanoseconds),
            uid(connection),
            "\(originator.address)",
            "\(originator.port)",
            "\(responder.address)",
            "\(responder.port)",
            "tcp",
            timed ? decimal(durationNanoseconds) : nil,
            timed ? "\(originatorStats.bytes + originatorStats.missedBytes)" : nil,
            timed ? "\(responderStats.bytes + responderStats.missedBytes)" : nil,
            connection.zeekConnState?.rawValue,
            "\(originatorStats.missedBytes + responderStats.missedBytes)",
            history.isEmpty ? nil : history,
            "\(originatorStats.packets)",
            "\(originatorStats.ipBytes)",
            "\(responderStats.packets)",
            "\(responderStats.ipBytes)",
        ]
    }

    /// The row as Zeek's ASCII writer writes it.
    static func tsvLine(_ connection: Connection) -> String {
        values(connection).map { $0 ?? "-" }.joined(separator: "\t") + "\n"
    }

    /// The row as Zeek's JSON writer writes it: unset fields left out, numbers as numbers.
    static func jsonLine(_ connection: Connection) -> String {
        var members: [String] = []
        for (index, value) in values(connection).enumerated() {
            guard let value else { continue }
            let text: String
            switch types[index] {
            case "time", "interval": text = trimmed(value)
            case "port", "count": text = value
            default: text = "\"\(value)\""
            }
            members.append("\"\(fields[index])\":\(text)")
        }
        return "{" + members.joined(separator: ",") + "}\n"
    }

    /// Seconds with 6 decimals from nanoseconds, rounded to the microsecond.
    static func decimal(_ nanoseconds: Int64) -> String {
        let micros = nanoseconds >= 0 ? (nanoseconds + 500) / 1000 : (nanoseconds - 500) / 1000
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let fraction = String(magnitude % 1_000_000)
        return "\(sign)\(magnitude / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// A decimal as Zeek's JSON writer prints a double: trailing zeros dropped, one kept.
    private static func trimmed(_ text: String) -> String {
        var text = Substring(text)
        while text.hasSuffix("0") && !text.hasSuffix(".0") { text = text.dropLast() }
        return String(text)
    }

    /// `C` and 17 base-62 digits of two FNV-1a hashes of the endpoints and the first packet.
    static func uid(_ connection: Connection) -> String {
        let key = "\(connection.originator)|\(connection.responder)|\(connection.firstPacketNumber)"
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in key.utf8 {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 ^ 0x5bd1_e995
        }
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var text = "C"
        for var value in [first, second] {
            for _ in 0..<(text.count == 1 ? 11 : 6) {
                text.append(alphabet[Int(value % 62)])
                value /= 62
            }
        }
        return text
    }

    /// Zeek's `#open` / `#close` stamp, `2024-05-01-12-00-00`, in UTC.
    private static func stamp(_ nanoseconds: Int64) -> String {
        guard let parts = CaptureText.brokenDown(nanoseconds) else { return "\(nanoseconds / 1_000_000_000)" }
        let two = CaptureText.two
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))-"
            + "\(two(parts.tm_hour))-\(two(parts.tm_min))-\(two(parts.tm_sec))"
    }
}
