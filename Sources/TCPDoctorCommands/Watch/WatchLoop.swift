import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorSystem

/// The refresh loop of `watch`, shared by the batch output, NDJSON and the full screen: samples
/// through `Sampler` (the one sampling loop of watch, record and serve), times them with
/// `TickSchedule` and turns each sample into a `WatchFrame` of the view being shown.
final class WatchLoop {
    let interval: Double
    /// Stop after this many refreshes; nil for no end.
    let count: Int?
    let processes: ProcessSelection
    /// The view: grouping, sort column and filter. The screen's keys change them.
    var grouping: StateHistogram.Grouping
    var sort: WatchTable.Column = .total
    private(set) var filter: SocketFilter
    private(set) var filterText: String
    /// Refreshes taken so far.
    private(set) var refreshes = 0
    /// The latest sample, to draw again after a key without reading the kernel again.
    private(set) var latest: Sample?
    private var latestFrame: WatchFrame?

    private let sampler: Sampler
    private var schedule: TickSchedule
    private var history: WatchHistory

    init(
        interval: Double,
        count: Int?,
        grouping: StateHistogram.Grouping,
        filterWords: [String],
        selection: SelectionOptions
    ) {
        self.interval = interval
        self.count = count
        self.grouping = grouping
        self.processes = selection.processes
        self.filter = (try? SocketFilter(arguments: filterWords)) ?? .all
        self.filterText = filterWords.joined(separator: " ")
        self.sampler = Sampler(namespaces: selection.namespaces)
        self.schedule = TickSchedule(interval: interval, start: systemMonotonicSeconds())
        self.history = WatchHistory(grouping: grouping, filter: filterText)
    }

    /// Whether `count` refreshes have been taken.
    var isDone: Bool { count.map { refreshes >= $0 } ?? false }

    /// Ticks skipped so far because a refresh ran past them (not those of a pause).
    var skippedTicks: Int { skippedBefore + schedule.skipped }
    /// Ticks skipped under the schedules before the latest resume.
    private var skippedBefore = 0

    /// Takes the next sample and returns its frame.
    ///
    /// - Throws: `CommandFailure` with `ExitStatus.systemUnreadable` when the kernel's tables or
    ///   the namespaces asked for cannot be read.
    func refresh() throws -> WatchFrame {
        let sample: Sample
        do {
            sample = try sampler.sample()
        } catch {
            let notes =
                error.code == .permissionDenied
                ? ["Run tcpdoctor as root (or with CAP_NET_ADMIN and CAP_SYS_PTRACE) to read it."] : []
            throw CommandFailure(ExitStatus.systemUnreadable, error.description, notes: notes)
        }
        refreshes += 1
        latest = sample
        let frame = frame(of: sample)
        latestFrame = frame
        return frame
    }

    /// The latest refresh drawn again in the current view after a key changed it; nil before the
    /// first refresh.
    ///
    /// A new sort only reorders the rows. A new grouping or filter starts a new view
    /// (`WatchHistory`) whose first frame this is, so that the next refresh's changes are against
    /// what was on screen.
    func redraw() -> WatchFrame? {
        guard let latest, var frame = latestFrame else { return nil }
        if grouping != history.grouping || filterText != history.filter {
            frame = self.frame(of: latest)
        } else {
            frame.table = frame.table.sorted(by: sort)
        }
        frame.skippedTicks = skippedTicks
        latestFrame = frame
        return frame
    }

    /// Replaces the filter with `text`, parsed in the filter language of `sockets`.
    ///
    /// - Throws: `FilterError` for a malformed filter, which leaves the old one in place.
    func setFilter(_ text: String) throws(FilterError) {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        filter = try SocketFilter(arguments: words)
        filterText = words.joined(separator: " ")
    }

    /// The monotonic time to start the next refresh: its tick, early by the time the latest
    /// refresh took (at most half an interval), so that the frame is drawn on its tick rather
    /// than a refresh's duration after it. Ticks too close to be drawn on time are skipped and
    /// counted.
    func nextTick() -> Double {
        let lead = min(latest?.wallSeconds ?? 0, interval / 2)
        return schedule.next(after: systemMonotonicSeconds() + lead).at - lead
    }

    /// Starts the ticks again from now after a pause: the ticks of the pause were not skipped
    /// for want of time, so they are not counted as skipped.
    func resume() {
        skippedBefore += schedule.skipped
        schedule = TickSchedule(interval: interval, start: systemMonotonicSeconds())
    }

    private func frame(of sample: Sample) -> WatchFrame {
        let snapshot = sample.input.snapshot
        let sockets = WatchFrame.select(from: snapshot, filter: filter, processes: processes)
        let histogram = StateHistogram(sockets: sockets, in: snapshot, groupedBy: grouping)
        let table = history.frame(histogram, in: snapshot, grouping: grouping, filter: filterText, sort: sort)
        return WatchFrame(
            table: table,
            sample: sample,
            skippedTicks: skippedTicks,
            interval: interval,
            filter: filterText
        )
    }
}
