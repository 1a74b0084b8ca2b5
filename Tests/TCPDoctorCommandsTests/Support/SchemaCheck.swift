import Foundation

/// Checks documents that tcpdoctor printed against the JSON Schemas in docs/schema, through
/// scripts/validate-json.py (Python's jsonschema; `.ci/run` installs python3-jsonschema).
///
/// Documents are collected in a scratch folder, each under the name of its schema, and checked in
/// one run of Python at the end, which reports every problem of every document at once.
final class SchemaCheck {
    /// The repository this file is in: three folders above Tests/TCPDoctorCommandsTests/Support.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Whether python3 with the jsonschema module is there to check against.
    static let isAvailable: Bool = {
        (try? runProgram("/usr/bin/env", ["python3", "-c", "import jsonschema"]))?.status == 0
    }()

    private let directory: ScratchDirectory
    private(set) var files: [String] = []

    init() throws { directory = try ScratchDirectory() }

    /// Adds what a run printed on standard output, to be checked against `docs/schema/SCHEMA.json`.
    func add(_ run: TCPDoctorRun, schema: String, label: String) throws {
        try add(run.stdout, schema: schema, label: label)
    }

    func add(_ text: String, schema: String, label: String) throws {
        let name = label.suffix(80).map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let path = directory.file("\(schema)--\(files.count)-\(String(name)).json")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        files.append(path)
    }

    /// Checks every document added; the problems, one per line, or "" when there are none.
    func problems() throws -> String {
        let run = try runProgram(
            "/usr/bin/env",
            ["python3", Self.repository + "/scripts/validate-json.py", Self.repository + "/docs/schema"] + files
        )
        if run.status == 0 { return "" }
        return run.stderr.isEmpty ? "validate-json.py exited with \(run.status)" : run.stderr
    }
}
