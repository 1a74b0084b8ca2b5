import ArgumentParser
import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorOutput

/// `tcpdoctor free-fds --pid PID [FILTER]`: closes leaked socket fds inside a running process.
struct FreeFDsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "free-fds",
        abstract: "Close a process's leaked socket fds (CLOSE_WAIT or dead) from inside it, with ptrace.",
        usage: "tcpdoctor free-fds --pid <PID> [--yes] [<options>] [<FILTER> ...]",
        discussion: """
            A dry run unless --yes. Every thread of the process is stopped once, each fd is checked \
            to still be the planned socket, closed (or, with --placeholder, pointed at /dev/null) by \
            a system call run inside the process, and the process is let go. First aid, not the fix: \
            the application still believes it owns those fd numbers. FILTER is the ss-style filter \
            of `sockets`; dead socket fds are taken only without one. Examples:

              tcpdoctor free-fds --pid 4242                      # what it would free
              tcpdoctor free-fds --pid 4242 --yes dport = :5432  # only toward :5432
            """
    )

    @Option(name: .customLong("pid"), help: "The process whose fds to free.")
    var pid: Int32

    @OptionGroup var filterArguments: FilterArguments

    @Flag(help: "Act: without it, free-fds only says what it would free.")
    var yes = false

    @Flag(help: "Point each fd at /dev/null instead of closing it: the number stays taken, the socket is freed.")
    var placeholder = false

    @Flag(help: "Also free sockets in other states than CLOSE_WAIT, unconfirmed dead ones, and under seccomp.")
    var force = false

    @Option(
        name: .customLong("dead-min-idle"),
        help: ArgumentHelp(
            "How long a socket fd in no kernel table must have been idle to count as dead (default: dead-socket-fds.min-idle-seconds, 10).",
            valueName: "SECONDS"
        )
    )
    var deadMinimumIdle: Double?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let deadMinimumIdle, !(deadMinimumIdle >= 0 && deadMinimumIdle < 86400 * 365) {
            throw ValidationError("--dead-min-idle takes a number of seconds, 0 or more")
        }
    }

    func run() throws {
        let mode: FDFreeMode = placeholder ? .placeholder : .close
        var report: FDFreeReport
        do {
            let idle =
                deadMinimumIdle.map { Duration.milliseconds(Int64($0 * 1000)) } ?? Thresholds().deadSocketMinimumIdle
            report = try FDFreer.plan(
                pid: pid,
                filter: filterArguments.filter,
                mode: mode,
                force: force,
                deadSocketMinimumIdle: idle
            )
            if yes { report = try FDFreer.act(report.plan, force: force) }
        } catch let refusal as FDFreeRefusal {
            throw CommandFailure(ExitStatus.freeFDsRefused, refusal.message, notes: refusal.notes)
        } catch let error as LinuxError {
            throw CommandFailure(ExitStatus.systemUnreadable, error.description)
        }
        if output.json {
            var json = JSONWriter(OutputBuffer())
            FreeFDsJSONRenderer.write(report, to: &json)
        } else {
            var out = OutputBuffer()
            FreeFDsText.write(report, style: .forDescriptor(1), to: &out)
            out.flush()
        }
        if let failure = report.failure {
            if failure.step == "exit" {
                Diagnostics.error(failure.message)
            } else {
                Diagnostics.error(
                    "free-fds stopped at \(failure.step): \(failure.message); every thread was detached and left running"
                )
            }
        }
        if report.acted && !report.isComplete { throw ExitStatus.freeFDsIncomplete }
    }
}
