/// `doctor --config`: for the findings at hand, the configuration that addresses them, as files
/// to drop in, each setting with its current and proposed value and why.
///
/// Only what a finding calls for, and only what helps: a systemd drop-in `LimitNOFILE=` for a
/// service at its fd limit (a limits.d file for a process outside any unit), sysctl.d snippets
/// for the kernel settings a finding names. Never what the folklore gets wrong: no
/// `tcp_tw_recycle` (removed in Linux 4.12; it broke clients behind NAT) and no shorter
/// `tcp_fin_timeout` against TIME_WAIT (it governs orphaned FIN_WAIT2; TIME_WAIT lasts 60 s on
/// Linux whatever it says). Findings no setting addresses (a leak in the code) get a note instead.
public struct ConfigurationAdvice: Hashable, Sendable {
    /// One setting of a file.
    public struct Setting: Hashable, Sendable {
        /// The sysctl's dotted name, or the directive (`LimitNOFILE`, `nofile`).
        public var name: String
        /// The value in force, when known.
        public var current: String?
        public var proposed: String
        public var why: String
    }

    /// One file to drop in.
    public struct File: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable {
            case systemdDropIn = "systemd-drop-in"
            case limits = "limits.d"
            case sysctl = "sysctl.d"
        }
        public var kind: Kind
        /// Where the file belongs, absolute (`--write DIR` puts it under DIR).
        public var path: String
        public var settings: [Setting]
        /// The ids of the findings it addresses.
        public var findings: [String]
        /// What makes it take effect, in order.
        public var apply: [String]
        /// The file's text.
        public var contents: String
    }

    /// A finding that no file addresses, and what does instead.
    public struct Note: Hashable, Sendable {
        public var finding: String
        public var text: String
    }

    public var files: [File]
    public var notes: [Note]

    /// What tcpdoctor never proposes, and why: printed with every answer.
    public static let neverProposed: [(name: String, why: String)] = [
        (
            "net.ipv4.tcp_tw_recycle",
            "removed in Linux 4.12; while it existed it dropped connections from clients behind NAT (their timestamps disagree)"
        ),
        (
            "a shorter net.ipv4.tcp_fin_timeout against TIME_WAIT",
            "it bounds orphaned FIN_WAIT2 sockets only; TIME_WAIT lasts 60 s on Linux whatever it says"
        ),
    ]

    public init(files: [File] = [], notes: [Note] = []) {
        self.files = files
        self.notes = notes
    }
}

extension ConfigurationAdvice {
    /// The advice for `findings`, judged on `input` (processes, settings per namespace) and where
    /// each process runs (`placements`, by pid; a process without one is taken for a session's).
    public static func advise(
        _ findings: [Finding],
        input: DiagnosisInput,
        placements: [Int32: ProcessPlacement]
    ) -> ConfigurationAdvice {
        var builder = AdviceBuilder(input: input, placements: placements, findings: findings)
        for finding in findings { builder.add(finding) }
        return builder.finish()
    }

    /// The soft and hard RLIMIT_NOFILE to propose for a process with `openFiles` open at `soft`.
    ///
    /// Room for four times what it uses now, at least 65,536 and at least its hard limit (then the
    /// soft limit is just raised to it), never above `fs.nr_open`.
    public static func proposedFileLimit(openFiles: Int, soft: UInt64, hard: UInt64?, nrOpen: Int64?) -> UInt64 {
        var wanted = max(65536, UInt64(max(openFiles, 1)) * 4, soft * 2)
        // A round number: the next power of two.
        wanted = UInt64(1) << UInt64(64 - (wanted - 1).leadingZeroBitCount)
        wanted = max(wanted, hard ?? 0)
        if let nrOpen, nrOpen > 0 { wanted = min(wanted, UInt64(nrOpen)) }
        return max(wanted, soft)
    }
}
