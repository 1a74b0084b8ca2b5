import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorOutput

/// `doctor --config` for people: each file with its settings (current, proposed, why), how to
/// apply it and its text; the findings no file addresses; what is never proposed.
enum ConfigurationRenderer {
    static func write(
        _ advice: ConfigurationAdvice,
        findings: Int,
        written: [ConfigurationWriter.Outcome]?,
        root: String?,
        style: TerminalStyle,
        to out: inout OutputBuffer
    ) {
        let e = TextEscaping.escaped
        if advice.files.isEmpty {
            out.write(
                style.bold("No configuration to propose") + " for \(DoctorRenderer.plural(findings, "finding")).\n"
            )
        } else {
            let where_ =
                root.map { "written under \(e($0))" }
                ?? "nothing written; `--write DIR` writes them under DIR, `--write /` in place"
            out.write(style.bold("\(DoctorRenderer.plural(advice.files.count, "file")) to drop in") + " (\(where_)):\n")
        }
        for (index, file) in advice.files.enumerated() {
            out.write(
                "\n" + style.bold(e(file.path))
                    + "  (\(file.kind.rawValue); for \(e(file.findings.joined(separator: ", "))))\n"
            )
            if let root, let outcome = written?[index] {
                let target = e(ConfigurationWriter.destination(file, under: root))
                switch outcome {
                case .written: out.write("  " + style.green("written") + ": \(target)\n")
                case .unchanged: out.write("  unchanged: \(target) already says exactly this\n")
                case .refused:
                    out.write(
                        "  " + style.red("not written")
                            + ": \(target) exists and says otherwise; compare and merge by hand\n"
                    )
                case .failed(let detail): out.write("  " + style.red("failed") + ": \(e(detail))\n")
                }
            }
            for setting in file.settings {
                out.write(
                    "  \(e(setting.name))  \(e(setting.current ?? "unknown")) -> \(style.bold(e(setting.proposed)))\n"
                )
                out.write("      \(e(setting.why))\n")
            }
            out.write("  apply:\n")
            for (step, line) in file.apply.enumerated() { out.write("    \(step + 1). \(e(line))\n") }
            for line in file.contents.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                out.write(style.dim("  | " + e(String(line))) + "\n")
            }
        }
        if !advice.notes.isEmpty {
            out.write("\n" + style.bold("Not a matter of configuration") + ":\n")
            for note in advice.notes { out.write("  \(e(note.finding)): \(e(note.text))\n") }
        }
        out.write("\nNever proposed: ")
        out.write(ConfigurationAdvice.neverProposed.map { "\($0.name) (\($0.why))" }.joined(separator: "; ") + ".\n")
    }
}
