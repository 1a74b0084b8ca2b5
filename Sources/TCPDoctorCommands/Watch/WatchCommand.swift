import ArgumentParser
import Glibc
import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorOutput
import TCPDoctorSystem

/// `tcpdoctor watch`: the state histogram live, refreshed every interval.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch TCP states live, per process, local port, remote address or netns, like top.",
        usage: "tcpdoctor watch [<options>] [<FILTER> ...]",
        discussion: """
            On a terminal: a full-screen view (q quit, space pause, s < > sort column, g grouping, \
            / filter, ? help). Otherwise, or with --batch: one plain block per refresh, as top -b \
            prints; with --json: one JSON object per line per refresh (docs/json.md).
            """
    )

    @OptionGroup var filterArguments: FilterArguments

    @Option(
        name: .customLong("by"),
        help: "Group by: \(StateHistogram.Grouping.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var grouping: StateHistogram.Grouping = .process

    @Option(help: ArgumentHelp("Seconds between refreshes (at least 0.1).", valueName: "SECONDS"))
    var interval: Double = 2

    @Flag(help: "One plain block per refresh, also on a terminal.")
    var batch = false

    @Option(help: ArgumentHelp("Stop after N refreshes.", valueName: "N"))
    var count: Int?

    @OptionGroup var selection: SelectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard interval.isFinite, interval >= 0.1 else {
            throw ValidationError("--interval must be a number of seconds of at least 0.1, not '\(interval)'")
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1, not \(count)") }
    }

    func run() throws {
        Sampler.useOneMallocArena()
        let loop = WatchLoop(
            interval: interval,
            count: count,
            grouping: grouping,
            filterWords: filterArguments.words,
            selection: selection
        )
        if !output.json && !batch && systemIsTerminal(0) && systemIsTerminal(1) {
            try WatchScreen.run(loop)
        } else {
            try Self.runBatch(loop, json: output.json)
        }
    }

    /// One block (or one JSON line) per refresh until `--count` or a signal ends it.
    static func runBatch(_ loop: WatchLoop, json: Bool) throws {
        var reported: [String] = []
        while true {
            let frame = try loop.refresh()
            if json {
                WatchJSONRenderer.write(frame)
            } else {
                var out = OutputBuffer()
                for line in WatchText.header(frame) + WatchText.table(frame.table) {
                    out.write(line)
                    out.write(byte: 10)
                }
                out.write(byte: 10)
                out.flush()
            }
            // What the snapshot could not see goes to standard error when it changes, not at
            // every refresh.
            let reasons = frame.sample.input.snapshot.coverage.reasons
            if reasons != reported {
                for reason in reasons where !reported.contains(reason) { Diagnostics.warn(reason) }
                reported = reasons
            }
            if loop.isDone { return }
            sleep(until: loop.nextTick())
        }
    }

    /// Waits until the monotonic clock reaches `deadline`.
    private static func sleep(until deadline: Double) {
        var none: [pollfd] = []
        while true {
            let left = deadline - systemMonotonicSeconds()
            if left <= 0 { return }
            _ = systemPoll(&none, timeout: Int32(min(left * 1000, 60_000).rounded(.up)))
        }
    }
}
