import ArgumentParser
import Foundation
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorLinux
import TCPDoctorSystem

/// `tcpdoctor record`: samples aggregates into the history database every interval, as a service.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Sample TCP state aggregates into an SQLite history database every interval.",
        usage: "tcpdoctor record [--interval SECONDS] [--db PATH] [<options>]",
        discussion: """
            Stores per namespace, process (pid and start time) and local port or peer the counts per \
            state, fd use and limits, host totals and the doctor's findings (docs/history.md). SIGTERM \
            or SIGINT ends it cleanly. Default database: /var/lib/tcpdoctor/history.sqlite as root, \
            $XDG_STATE_HOME/tcpdoctor/history.sqlite (~/.local/state) otherwise.
            """
    )

    @Option(help: "Seconds between samples.") var interval: Double = 10
    @Option(help: "The database file.") var db: String?
    @OptionGroup var retention: RetentionOptions
    @Option(help: "Stop after this many samples.") var count: Int?

    func validate() throws {
        guard interval >= 0.1, interval.isFinite else {
            throw ValidationError("--interval must be at least 0.1 seconds.")
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1.") }
        _ = try retention.settings()
    }

    func run() throws {
        Sampler.useOneMallocArena()
        let path = db ?? HistoryLocation.defaultPath()
        let signals = try RecordSignals.install()
        let (store, lock) = try Self.open(path, retention: try retention.settings())
        defer { closeDescriptor(lock) }
        var loop = RecordLoop(store: store, interval: interval, limit: count, signals: signals)
        do {
            try loop.run()
        } catch let error as HistoryError {
            throw CommandFailure(ExitStatus.historyUnusable, error.description)
        } catch let error as LinuxError {
            throw CommandFailure(ExitStatus.systemUnreadable, error.description)
        }
    }

    /// Opens (creating or migrating) the database at `path`, takes its lock and checks its
    /// integrity: what `record` and `serve --record` do before the first sample.
    ///
    /// - Returns: The store, and the lock's descriptor, held until the recorder ends.
    static func open(_ path: String, retention: HistoryRetention) throws -> (HistoryStore, Int32) {
        do {
            // The directory must exist before the lock file beside the database can.
            let store = try HistoryStore(path: path, retention: retention)
            let lock = try lock(path)
            do { try store.checkIntegrity() } catch {
                closeDescriptor(lock)
                throw error
            }
            return (store, lock)
        } catch let error as HistoryError {
            throw CommandFailure(ExitStatus.historyUnusable, error.description)
        }
    }

    /// Takes the lock file beside the database, or says who holds it.
    private static func lock(_ path: String) throws -> Int32 {
        let lockPath = path + ".lock"
        switch systemLockFile(lockPath) {
        case .success(let fd):
            _ = systemReplaceContents(fd, "\(systemOwnPID())\n")
            return fd
        case .failure(let error) where systemIsLockHeld(error):
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw CommandFailure(
                ExitStatus.historyLocked,
                "Another tcpdoctor recorder\(holder.map { " (pid \($0))" } ?? "") is recording into \(path) "
                    + "(it holds \(lockPath)): a `tcpdoctor record` or a `tcpdoctor serve --record`; stop it or "
                    + "choose another --db."
            )
        case .failure(let error):
            throw CommandFailure(
                ExitStatus.historyUnusable,
                "Could not create the lock file \(lockPath): \(error)."
            )
        }
    }
}

/// The retention of a history database: `record`'s and `serve --record`'s.
struct RetentionOptions: ParsableArguments {
    @Option(help: "Levels as RESOLUTION:AGE, finest first (default raw:48h,1m:14d,10m:400d).")
    var retention: String?
    @Option(name: .customLong("max-size"), help: "The most the database may hold, such as 500M or 2G (default 1G).")
    var maxSize: String?

    var isDefault: Bool { retention == nil && maxSize == nil }

    func settings() throws -> HistoryRetention {
        var settings = HistoryRetention.standard
        if let retention {
            do { settings.levels = try HistoryRetention.parseLevels(retention) } catch {
                throw ValidationError("--retention: \(error.description).")
            }
        }
        if let maxSize {
            guard let bytes = HistoryRetention.parseSize(maxSize) else {
                throw ValidationError("--max-size: '\(maxSize)' is not a size (such as 500M or 2G).")
            }
            settings.maxBytes = bytes
        }
        return settings
    }
}
