// The `proc-stat`, `proc-status` and `proc-cmdline` fuzz targets: the parsers of the files under
// /proc/PID, which any local user controls in part (the command name and the arguments).

import TCPDoctorCore

@testable import TCPDoctorLinux

/// Each target parses the input, then checks what it parsed by a round trip: the parsed values
/// written back in the file's own format must parse to the same values.
enum ProcFileTargets {
    static let statusFile = "/proc/4242/status"

    /// `/proc/PID/stat`: state (field 3), flags (9) and start time (22) after the last `)`.
    static func stat(_ bytes: UnsafeRawBufferPointer) {
        guard let excerpt = ProcessFileParsers.parseStatExcerpt(bytes) else { return }
        // Fields 10 to 21 between the flags and the start time; a line that ended before field
        // 22 is written back without it.
        let tail = excerpt.startTime.map { " 0 0 0 0 0 0 0 0 20 0 1 0 \($0) 0" } ?? " 0"
        let line =
            Array("4242 (a) b) ".utf8) + [excerpt.state] + Array(" 1 1 1 1 1 \(excerpt.flags)\(tail)\n".utf8)
        let again = line.withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) }
        if again != excerpt { fail("stat excerpt \(excerpt) written back parses as \(String(describing: again))") }
    }

    /// `/proc/PID/status` (uid and parent) and `/proc/PID/limits` (open files).
    static func status(_ bytes: UnsafeRawBufferPointer) {
        do throws(LinuxError) {
            let (uid, parentPID) = try ProcessFileParsers.parseStatus(bytes, file: statusFile)
            let text = Array("Name:\tx\nUid:\t\(uid)\t0\t0\t0\nPPid:\t\(parentPID)\n".utf8)
            let again = text.withUnsafeBytes { try? ProcessFileParsers.parseStatus($0, file: statusFile) }
            if again?.uid != uid || again?.parentPID != parentPID {
                fail("status (\(uid), \(parentPID)) written back parses as \(String(describing: again))")
            }
        } catch {
            expectNamed(error, statusFile)
        }
        do throws(LinuxError) {
            let (soft, hard) = try ProcessFileParsers.parseOpenFilesLimit(bytes, file: statusFile)
            func text(_ limit: UInt64?) -> String { limit.map(String.init) ?? "unlimited" }
            let line = Array("Max open files            \(text(soft))    \(text(hard))    files\n".utf8)
            let again = line.withUnsafeBytes { try? ProcessFileParsers.parseOpenFilesLimit($0, file: statusFile) }
            if again == nil || again?.soft != soft || again?.hard != hard {
                fail("limits (\(text(soft)), \(text(hard))) parse back as \(String(describing: again))")
            }
        } catch {
            expectNamed(error, statusFile)
        }
    }

    /// `/proc/PID/cmdline` and `/proc/PID/comm`.
    static func commandLine(_ bytes: UnsafeRawBufferPointer) {
        var end = bytes.count
        while end > 0 && bytes[end - 1] == 0 { end -= 1 }
        let argv = ProcessFileParsers.parseArguments(bytes)
        for element in argv where element.utf8.contains(0) {
            fail("a command-line element keeps a NUL: \(element.debugDescription)")
        }
        if argv.last == "" { fail("trailing NUL padding kept as an empty argument: \(argv)") }
        // Joined at NULs again, the arguments are the file without its trailing NULs.
        let joined = argv.joined(separator: "\u{0}")
        if joined != String(decoding: bytes[..<end], as: UTF8.self) {
            fail("arguments \(argv) do not join back into the command line")
        }
        // comm: the kernel's one newline goes (after any NULs), nothing else.
        let command = ProcessFileParsers.parseCommand(bytes)
        let expected = end > 0 && bytes[end - 1] == UInt8(ascii: "\n") ? end - 1 : end
        if command != String(decoding: bytes[..<expected], as: UTF8.self) {
            fail("the command \(command.debugDescription) is not the file less its terminator")
        }
    }

    /// A parse error must say which file it is about.
    static func expectNamed(_ error: LinuxError, _ file: String) {
        if !error.message.hasPrefix(file) { fail("an error that does not name \(file): \(error)") }
    }
}
