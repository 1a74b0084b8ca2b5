import GRDB
import TCPDoctorCore

/// The database schema: named migrations, never edited once released (docs/history.md).
///
/// A later version adds migrations after these; `HistoryStore` refuses a database whose
/// `grdb_migrations` names one this version does not know (a newer tcpdoctor made it).
enum HistorySchema {
    /// The column of a kernel counter in `host_point`: `tcpext_listenoverflows` for `TcpExt.ListenOverflows`.
    static func counterColumn(_ name: String) -> String {
        String(name.lowercased().map { $0 == "." ? "_" : $0 })
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            for statement in v1 { try db.execute(sql: statement) }
        }
        // Layout 2 of the change blobs (`ChangeCodec`): a row's flags ride on its id and mask, so
        // a row with no NULL and no maximum above its value takes a byte or two less, and a
        // process row may leave out fd limits that held. Old rows are rewritten whole.
        migrator.registerMigration("v2") { db in
            try ChangeCodecV1.migrate(db, .series)
            try ChangeCodecV1.migrate(db, .processes)
        }
        return migrator
    }

    /// The identifiers of every migration this version knows.
    static var known: Set<String> { Set(migrator.migrations) }

    private static var v1: [String] {
        let states = StateCounts.columns
        let last = states.map { "\($0) INTEGER NOT NULL" }.joined(separator: ", ")
        let counters = SampleAggregate.keptCounters.map { "\(counterColumn($0)) INTEGER" }.joined(separator: ", ")
        return [
            """
            CREATE TABLE sample (
                id INTEGER PRIMARY KEY,
                taken_at REAL NOT NULL,
                first_at REAL NOT NULL,
                resolution INTEGER NOT NULL,
                keyframe INTEGER NOT NULL,
                merged INTEGER NOT NULL,
                skipped INTEGER NOT NULL,
                sockets INTEGER NOT NULL,
                unattributed INTEGER NOT NULL,
                file_handles INTEGER,
                cpu_seconds REAL NOT NULL,
                wall_seconds REAL NOT NULL
            )
            """,
            "CREATE INDEX sample_by_level ON sample(resolution, taken_at)",
            """
            CREATE TABLE process (
                id INTEGER PRIMARY KEY,
                pid INTEGER NOT NULL,
                start_time INTEGER,
                argv_hash INTEGER NOT NULL,
                command TEXT NOT NULL,
                first_seen REAL NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX process_identity ON process(pid, ifnull(start_time, -1), argv_hash)",
            """
            CREATE TABLE series (
                id INTEGER PRIMARY KEY,
                netns INTEGER NOT NULL,
                process_id INTEGER REFERENCES process(id) ON DELETE CASCADE,
                place_kind TEXT NOT NULL,
                place TEXT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX series_identity ON series(netns, ifnull(process_id, 0), place_kind, place)",
            """
            CREATE TABLE point (
                sample_id INTEGER PRIMARY KEY REFERENCES sample(id) ON DELETE CASCADE,
                data BLOB NOT NULL
            )
            """,
            """
            CREATE TABLE process_point (
                sample_id INTEGER PRIMARY KEY REFERENCES sample(id) ON DELETE CASCADE,
                data BLOB NOT NULL
            )
            """,
            """
            CREATE TABLE host_point (
                sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
                netns INTEGER NOT NULL,
                \(last), sockets_max INTEGER NOT NULL, \(counters),
                PRIMARY KEY (sample_id, netns)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE finding_kind (
                id INTEGER PRIMARY KEY,
                subject TEXT NOT NULL,
                rule TEXT NOT NULL,
                severity INTEGER NOT NULL,
                pid INTEGER,
                place TEXT,
                netns INTEGER
            )
            """,
            """
            CREATE UNIQUE INDEX finding_kind_identity ON finding_kind(
                subject, rule, severity, ifnull(pid, -1), ifnull(place, ''), ifnull(netns, 0))
            """,
            """
            CREATE TABLE finding (
                sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
                kind_id INTEGER NOT NULL REFERENCES finding_kind(id),
                size INTEGER,
                size_max INTEGER,
                PRIMARY KEY (sample_id, kind_id)
            ) WITHOUT ROWID
            """,
            """
            CREATE VIEW finding_full AS
                SELECT f.sample_id, k.subject, k.rule, k.severity, k.pid, k.place, k.netns, f.size, f.size_max
                FROM finding f JOIN finding_kind k ON k.id = f.kind_id
            """,
            """
            CREATE TABLE record_log (
                id INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                samples INTEGER NOT NULL,
                skipped INTEGER NOT NULL,
                cpu_seconds REAL NOT NULL,
                database_bytes INTEGER NOT NULL,
                cpu_seconds_per_day REAL,
                bytes_per_day REAL
            )
            """,
        ]
    }
}
