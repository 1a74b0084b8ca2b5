import Foundation
import GRDB

/// Why the history database could not be used: what failed, where, and what to do.
public struct HistoryError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure, so that a command maps it to an exit status.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String, Sendable {
            case corrupt, readOnly, newerSchema, cannotCreate, diskFull, busy, io
        }
        fileprivate let kind: Kind

        /// The file is not an SQLite database, or its pages are damaged.
        public static let corrupt = Code(kind: .corrupt)
        /// The file, its directory or its file system cannot be written.
        public static let readOnly = Code(kind: .readOnly)
        /// A newer tcpdoctor made the database: its schema has migrations this version does not know.
        public static let newerSchema = Code(kind: .newerSchema)
        /// The database or its directory could not be created.
        public static let cannotCreate = Code(kind: .cannotCreate)
        /// The file system is full.
        public static let diskFull = Code(kind: .diskFull)
        /// Another connection holds the database locked for longer than the busy timeout.
        public static let busy = Code(kind: .busy)
        /// Any other failure of SQLite or the file system.
        public static let io = Code(kind: .io)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// The database file concerned.
    public var path: String
    /// A sentence that says what failed.
    public var message: String
    /// SQLite's own message, when SQLite failed.
    public var cause: String?

    public init(_ code: Code, path: String, message: String, cause: String? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.cause = cause
    }

    public var description: String { cause.map { "\(message) (\($0))" } ?? message }

    /// Maps an error of GRDB or SQLite to a `HistoryError` about `path`, naming what was being done.
    static func from(_ error: any Error, path: String, doing action: String) -> HistoryError {
        if var error = error as? HistoryError {
            // Raised below the store (a damaged blob): the store's file is the one concerned.
            if error.path.isEmpty {
                error.path = path
                error.message = "\(path): \(error.message)"
            }
            return error
        }
        guard let database = error as? DatabaseError else {
            return HistoryError(.io, path: path, message: "Could not \(action) \(path).", cause: "\(error)")
        }
        let cause = database.message ?? "\(database.resultCode)"
        switch database.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return HistoryError(
                .corrupt,
                path: path,
                message: "\(path) is not a usable SQLite database (corrupt or not a database); "
                    + "move it away and record anew.",
                cause: cause
            )
        case .SQLITE_READONLY:
            return HistoryError(
                .readOnly,
                path: path,
                message: "\(path) is read-only (the file, its directory or its file system); "
                    + "give tcpdoctor write access or choose another --db.",
                cause: cause
            )
        case .SQLITE_FULL:
            return HistoryError(
                .diskFull,
                path: path,
                message: "The file system of \(path) is full; free space, lower --max-size or choose another --db.",
                cause: cause
            )
        case .SQLITE_CANTOPEN:
            return HistoryError(
                .cannotCreate,
                path: path,
                message: "Could not open or create \(path); check that its directory exists and is writable.",
                cause: cause
            )
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return HistoryError(
                .busy,
                path: path,
                message: "\(path) stayed locked by another connection; try again.",
                cause: cause
            )
        case .SQLITE_IOERR:
            // SQLite reports ENOSPC on its shared-memory file or the WAL as an I/O error
            // (SQLITE_IOERR_SHMSIZE, _WRITE): a file system with almost nothing left is full.
            if let free = freeBytes(near: path), free < 1 << 20 {
                return HistoryError(
                    .diskFull,
                    path: path,
                    message: "The file system of \(path) is full (\(free) bytes free); "
                        + "free space, lower --max-size or choose another --db.",
                    cause: cause
                )
            }
            return HistoryError(
                .io,
                path: path,
                message: "Could not \(action) \(path): an I/O error.",
                cause: "\(cause), extended code \(database.extendedResultCode.rawValue)"
            )
        default:
            return HistoryError(.io, path: path, message: "Could not \(action) \(path).", cause: cause)
        }
    }
}

/// Bytes free for unprivileged use on the file system of `path` (or of its directory).
private func freeBytes(near path: String) -> Int64? {
    for candidate in [path, (path as NSString).deletingLastPathComponent] {
        if let attributes = try? FileManager.default.attributesOfFileSystem(forPath: candidate),
            let free = attributes[.systemFreeSize] as? NSNumber
        {
            return free.int64Value
        }
    }
    return nil
}
