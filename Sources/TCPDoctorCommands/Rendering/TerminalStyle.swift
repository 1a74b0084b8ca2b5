import Glibc
import TCPDoctorCore

/// ANSI styling that is on only for a terminal and never when `NO_COLOR` is set.
struct TerminalStyle {
    let enabled: Bool

    /// Colour for standard output or standard error, following the no-color.org convention.
    static func forDescriptor(_ fd: Int32) -> TerminalStyle {
        let noColor = getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false
        let dumb = getenv("TERM").map { String(cString: $0) == "dumb" } ?? false
        return TerminalStyle(enabled: isatty(fd) == 1 && !noColor && !dumb)
    }

    static let plain = TerminalStyle(enabled: false)

    private func wrap(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func red(_ text: String) -> String { wrap(text, "31") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func cyan(_ text: String) -> String { wrap(text, "36") }
}

/// Diagnostics go to standard error, never mixed with data on standard output.
///
/// Messages are escaped (`TextEscaping`) as a whole: they quote file names, namespace names and
/// process names that others chose, and every message is one line of tcpdoctor's own text, so a
/// newline or an escape sequence in a message can only have come from such a name.
enum Diagnostics {
    static func warn(_ message: String) {
        let style = TerminalStyle.forDescriptor(2)
        write(style.yellow("warning: ") + TextEscaping.escaped(message))
    }

    static func error(_ message: String) {
        let style = TerminalStyle.forDescriptor(2)
        write(style.red("error: ") + TextEscaping.escaped(message))
    }

    static func note(_ message: String) {
        write(TextEscaping.escaped(message))
    }

    private static func write(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
