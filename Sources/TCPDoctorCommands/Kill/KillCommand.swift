import ArgumentParser
import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorOutput

/// `tcpdoctor kill FILTER`: destroy the matching TCP sockets (SOCK_DESTROY), dry-run unless `--yes`.
struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "Destroy the matching TCP sockets in every network namespace (SOCK_DESTROY); a dry run unless --yes.",
        usage: "tcpdoctor kill [--yes] [--force] [<options>] [<FILTER> ...]",
        discussion: """
            FILTER uses the language of `sockets` (ss's). Without --yes, kill prints what it would \
            destroy and why, and changes nothing. It refuses an empty filter and listening sockets \
            unless --force (exit status 10). Each socket gets one outcome: destroyed, already gone, \
            replaced (a new socket on the same addresses, left alone), refused (with the errno: \
            EPERM is no CAP_NET_ADMIN in that namespace), or not supported (a kernel without \
            CONFIG_INET_DIAG_DESTROY); exit status 9 when any socket could not be destroyed. \
            A destroyed socket's fd stays open in its owner (a dead-socket fd, which the doctor \
            reports) until the owner closes it: `tcpdoctor free-fds` or a restart gives it back.

              tcpdoctor kill state close-wait sport = :8080
              tcpdoctor kill --yes state close-wait --process leaky-server
            """
    )

    @OptionGroup var filterArguments: FilterArguments
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Destroy the sockets (without it, only say what would be destroyed).")
    var yes = false

    @Flag(help: "Allow an empty filter and listening sockets.")
    var force = false

    func run() throws {
        let request = SocketKill.Request(
            filter: filterArguments.filter,
            processes: selection.processes,
            namespaces: selection.namespaces,
            force: force,
            act: yes
        )
        let report: KillReport
        do {
            report = try SocketKill.run(request)
        } catch {
            let notes =
                error.code == .permissionDenied
                ? ["Run tcpdoctor as root (or with CAP_NET_ADMIN and CAP_SYS_PTRACE) to read it."] : []
            throw CommandFailure(ExitStatus.systemUnreadable, error.description, notes: notes)
        }
        let filterText = filterArguments.words.joined(separator: " ")
        if output.json {
            var json = JSONWriter(OutputBuffer())
            KillJSONRenderer(report: report, filterText: filterText).write(to: &json)
        } else {
            var out = OutputBuffer()
            KillTextRenderer(report: report, style: .forDescriptor(1)).write(to: &out)
            out.flush()
        }
        SnapshotLoading.reportCoverage(report.snapshot.coverage)
        if let refusal = report.plan.refusal {
            Diagnostics.error(refusal.message)
            throw ExitStatus.killRefused
        }
        if report.acted && !report.everyTargetGone { throw ExitStatus.killIncomplete }
    }
}
