import Glibc
import TCPDoctorCapture
import TCPDoctorCore

/// Short texts for capture tables and reports, without Foundation formatters.
enum CaptureText {
    /// `1,234,567`.
    static func count<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// Seconds with three decimals (`0.499`, `97.000`), or as many as asked for, up to nine.
    static func seconds(nanoseconds: Int64, decimals: Int = 3) -> String {
        let digits = min(max(decimals, 0), 9)
        var unit: Int64 = 1
        for _ in 0..<(9 - digits) { unit *= 10 }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let units = (nanoseconds + (nanoseconds >= 0 ? unit / 2 : -unit / 2)) / unit
        let sign = units < 0 ? "-" : ""
        let magnitude = units.magnitude
        guard digits > 0 else { return sign + "\(magnitude)" }
        let fraction = String(magnitude % UInt64(scale))
        return sign + "\(magnitude / UInt64(scale))." + String(repeating: "0", count: digits - fraction.count)
            + fraction
    }

    /// Seconds as a short duration: `97 s`, `2.5 s`, `499 ms`.
    static func duration(_ seconds: Double) -> String {
        if seconds >= 10 { return "\(Int(seconds.rounded())) s" }
        if seconds >= 1 {
            let tenths = Int((seconds * 10).rounded())
            return "\(tenths / 10).\(tenths % 10) s"
        }
        return "\(Int((seconds * 1000).rounded())) ms"
    }

    /// `2024-05-01 12:00:00.123456 UTC`, microseconds, from nanoseconds since the epoch.
    static func utc(nanoseconds: Int64) -> String {
        guard let parts = brokenDown(nanoseconds) else { return "\(nanoseconds) ns" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + timeOfDay(nanoseconds: nanoseconds) + " UTC"
    }

    /// `12:00:00.123456`, the time of day in UTC with microseconds, as tcpdump prints it.
    static func timeOfDay(nanoseconds: Int64) -> String {
        guard let parts = brokenDown(nanoseconds) else { return "\(nanoseconds) ns" }
        let micros = String((nanoseconds % 1_000_000_000 + 1_000_000_000) % 1_000_000_000 / 1000)
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))."
            + String(repeating: "0", count: max(0, 6 - micros.count)) + micros
    }

    static func brokenDown(_ nanoseconds: Int64) -> tm? {
        var seconds = time_t(nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds + 1) / 1_000_000_000 - 1)
        var parts = tm()
        return gmtime_r(&seconds, &parts) == nil ? nil : parts
    }

    static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// What each ending means, for the summary.
    static func explanation(_ ending: Connection.Ending) -> String {
        switch ending {
        case .rejected: "SYN answered by RST: nothing listened (connection refused)"
        case .noAnswer: "SYN never answered"
        case .lateFINReset: "a late FIN met RST: the peer had already forgotten the connection"
        case .finReset: "both sides sent FIN, then a RST came"
        case .reset: "aborted by RST before both FINs"
        case .fin: "orderly close: both sides sent FIN"
        case .closeWait: "one side still in CLOSE_WAIT when the capture ended"
        case .handshake: "handshake not completed when the capture ended"
        case .open: "still open when the capture ended"
        }
    }

    /// `responder 0.499 s`, `originator >= 12.000 s (open)`, or `-`.
    static func closeWait(_ connection: Connection) -> String {
        guard let wait = connection.closeWait else { return "-" }
        let length = seconds(nanoseconds: wait.endNanoseconds - wait.startNanoseconds)
        return wait.openAtEnd ? "\(wait.side.rawValue) >=\(length) s (open)" : "\(wait.side.rawValue) \(length) s"
    }

    /// The active closer, or `-` when nobody sent FIN.
    static func closer(_ connection: Connection) -> String { connection.activeCloser?.rawValue ?? "-" }

    /// `31 ·FDASS`: Wireshark's completeness value and its letters.
    static func completeness(_ connection: Connection) -> String {
        "\(connection.completeness.rawValue) \(connection.completeness.letters)"
    }

    /// `SYN`, `SYN,ACK`, `FIN,PSH,ACK`: flag names in Wireshark's order of importance.
    static func flags(_ flags: TCPFlags) -> String {
        let names: [(TCPFlags, String)] = [
            (.syn, "SYN"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK"), (.urg, "URG"), (.ece, "ECE"),
            (.cwr, "CWR"),
        ]
        let present = names.filter { flags.contains($0.0) }.map(\.1)
        return present.isEmpty ? "none" : present.joined(separator: ",")
    }
}
