import TCPDoctorCore
import TCPDoctorSystem

/// One tick of `watch`, `record` and `serve`: what was read, what the doctor found, what it cost.
public struct Sample: Sendable {
    /// 1 for the first sample of a sampler, counting on.
    public var number: Int
    /// What the rules judged: the snapshot (with tcp_info and owners), host facts, thresholds.
    public var input: DiagnosisInput
    /// The doctor's findings, most severe first (runtimes are not recognised: see `DoctorRun`).
    public var findings: [Finding]
    /// How the snapshot was refreshed.
    public var refresh: SnapshotRefresher.Statistics
    /// Seconds of this process's CPU the whole sample used: refresh, host facts and diagnosis.
    public var cpuSeconds: Double
    /// Seconds of the monotonic clock the whole sample took.
    public var wallSeconds: Double

    /// Seconds since the Unix epoch when the snapshot was taken.
    public var takenAt: Double { input.snapshot.takenAt }
    /// The most severe finding of the moment, if any.
    public var worst: Finding? { findings.first }

    /// What the history stores of this sample (`record`, and `serve --record`): its aggregates,
    /// findings and cost, and the ticks skipped before it.
    public func aggregate(skippedTicks: Int) -> SampleAggregate {
        var aggregate = SampleAggregate(input, findings: findings)
        aggregate.cpuSeconds = cpuSeconds
        aggregate.wallSeconds = wallSeconds
        aggregate.skippedTicks = Int64(skippedTicks)
        return aggregate
    }
}

/// The one sampling loop's body, shared by `watch`, `record` and `serve`: each `sample()` refreshes
/// the snapshot (cheaply after the first, see `SnapshotRefresher`), reads host facts and runs the
/// doctor. The caller owns the timing (see `TickSchedule`).
public final class Sampler {
    public let namespaces: SnapshotRequest.Namespaces
    public let thresholds: Thresholds
    private let refresher: SnapshotRefresher
    private var count = 0

    /// - Parameters:
    ///   - namespaces: The namespaces to read; with `.all`, namespaces that appear later are read too.
    ///   - thresholds: The doctor's thresholds.
    ///   - fullRefreshPeriod: The longest time between two full owner walks.
    public init(
        namespaces: SnapshotRequest.Namespaces = .all,
        thresholds: Thresholds = Thresholds(),
        fullRefreshPeriod: Duration = .seconds(60)
    ) {
        self.namespaces = namespaces
        self.thresholds = thresholds
        let request = SnapshotRequest(
            namespaces: namespaces,
            includeOwners: true,
            includeInfo: true,
            infoStates: Doctor.tcpInfoStates,
            includeShutdown: true,
            deadSocketMinimumIdle: thresholds.deadSocketMinimumIdle
        )
        refresher = SnapshotRefresher(request, fullRefreshPeriod: fullRefreshPeriod)
    }

    /// Makes this process use one malloc arena, for a command that samples for hours.
    ///
    /// Samples are built on other threads than the one that drops them (record's sampling
    /// thread, the fd walk's), and glibc keeps what each thread's arena freed: with an arena per
    /// thread the process held ~130 MB at 200k sockets, with one ~95 MB. Call it once, first.
    public static func useOneMallocArena() {
        _ = systemLimitMallocArenas(1)
    }

    /// Takes the next sample.
    ///
    /// - Throws: `LinuxError` as `SnapshotReader.read` does (no namespace readable, no /proc).
    public func sample() throws(LinuxError) -> Sample {
        let (cpu, wall) = (systemProcessCPUSeconds(), systemMonotonicSeconds())
        let locations = try SnapshotReader.namespaces(namespaces)
        let (snapshot, refresh) = try refresher.refresh(in: locations)
        let input = DiagnosisInput(snapshot: snapshot, host: HostFactsReader.read(locations), thresholds: thresholds)
        let findings = Doctor.diagnose(input)
        count += 1
        return Sample(
            number: count,
            input: input,
            findings: findings,
            refresh: refresh,
            cpuSeconds: systemProcessCPUSeconds() - cpu,
            wallSeconds: systemMonotonicSeconds() - wall
        )
    }
}
