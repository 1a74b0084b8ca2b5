import TCPDoctorCore

/// The document of `doctor --config --json` (docs/json.md, docs/schema/config.json).
public enum ConfigurationJSON {
    /// One file's fate with `--write`: where it went and what happened.
    public struct Written: Hashable, Sendable {
        public var path: String
        /// `written`, `unchanged`, `refused` or `failed`.
        public var outcome: String
        public var detail: String?

        public init(path: String, outcome: String, detail: String? = nil) {
            (self.path, self.outcome, self.detail) = (path, outcome, detail)
        }
    }

    /// - Parameters:
    ///   - advice: The files and notes.
    ///   - written: Per file, in order, what `--write` did; nil for a dry run.
    ///   - root: The `--write` directory, or nil.
    public static func write(
        _ advice: ConfigurationAdvice,
        written: [Written]?,
        root: String?,
        to json: inout JSONWriter
    ) {
        json.beginObject()
        json.key("dry_run")
        json.value(written == nil)
        json.key("write_root")
        json.value(root)
        json.key("files")
        json.beginArray()
        for (index, file) in advice.files.enumerated() {
            json.beginObject()
            json.key("kind")
            json.value(file.kind.rawValue)
            json.key("path")
            json.value(file.path)
            json.key("findings")
            json.beginArray()
            for id in file.findings { json.value(id) }
            json.endArray()
            json.key("settings")
            json.beginArray()
            for setting in file.settings {
                json.beginObject()
                json.key("name")
                json.value(setting.name)
                json.key("current")
                json.value(setting.current)
                json.key("proposed")
                json.value(setting.proposed)
                json.key("why")
                json.value(setting.why)
                json.endObject()
            }
            json.endArray()
            json.key("apply")
            json.beginArray()
            for step in file.apply { json.value(step) }
            json.endArray()
            json.key("contents")
            json.value(file.contents)
            json.key("written")
            if let done = written?[index] {
                json.beginObject()
                json.key("path")
                json.value(done.path)
                json.key("outcome")
                json.value(done.outcome)
                json.key("detail")
                json.value(done.detail)
                json.endObject()
            } else {
                json.null()
            }
            json.endObject()
        }
        json.endArray()
        json.key("notes")
        json.beginArray()
        for note in advice.notes {
            json.beginObject()
            json.key("finding")
            json.value(note.finding)
            json.key("text")
            json.value(note.text)
            json.endObject()
        }
        json.endArray()
        json.key("never_proposed")
        json.beginArray()
        for never in ConfigurationAdvice.neverProposed {
            json.beginObject()
            json.key("setting")
            json.value(never.name)
            json.key("why")
            json.value(never.why)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.finish()
    }
}
