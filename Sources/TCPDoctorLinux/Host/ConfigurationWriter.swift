import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Writes `doctor --config`'s files under a directory, never over a file that says otherwise.
public enum ConfigurationWriter {
    /// What happened to one file.
    public enum Outcome: Hashable, Sendable {
        /// Written (created, with any missing directory).
        case written
        /// A file with exactly these contents was there already: nothing to do.
        case unchanged
        /// A file with other contents is there: left as it is (compare them and merge by hand).
        case refused
        /// The write failed: the step and the error.
        case failed(String)

        /// `written`, `unchanged`, `refused` or `failed`, as the JSON names it.
        public var name: String {
            switch self {
            case .written: "written"
            case .unchanged: "unchanged"
            case .refused: "refused"
            case .failed: "failed"
            }
        }
    }

    /// Where `file` goes under `root`: its absolute path below it (`/` puts it in place).
    public static func destination(_ file: ConfigurationAdvice.File, under root: String) -> String {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return base + file.path
    }

    /// Writes every file under `root`, each on its own: one failure never stops the others.
    public static func write(_ files: [ConfigurationAdvice.File], under root: String) -> [Outcome] {
        files.map { write($0, to: destination($0, under: root)) }
    }

    private static func write(_ file: ConfigurationAdvice.File, to path: String) -> Outcome {
        let contents = Array(file.contents.utf8)
        switch readProcFile(path, limit: 1 << 20) {
        case .success(let existing): return existing == contents ? .unchanged : .refused
        case .failure(let error) where error == .noSuchFileOrDirectory: break
        case .failure(let error): return .failed("cannot read \(path): \(error)")
        }
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if case .failure(let error) = systemMakeDirectories(directory) {
            return .failed("\(error.call): \(error.errno)")
        }
        switch systemWriteFileAtomically(path, contents) {
        case .success: return .written
        case .failure(let error): return .failed("\(error.call) \(path): \(error.errno)")
        }
    }
}
