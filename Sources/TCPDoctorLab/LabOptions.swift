/// How to run a scenario: how big, broken or fixed, and how long to wait for the roles.
public struct LabOptions: Sendable, Hashable {
    /// `--connections`; nil for the scenario's default. Its meaning depends on the scenario
    /// (`LabScenario.connectionsMeaning`).
    public var connections: Int?
    /// Run the workload written correctly.
    public var fixed: Bool
    /// `--rate`: connections per second the client opens, for a leak that grows at a known pace;
    /// nil: as fast as it can. Only for scenarios whose `pacedByRate` is true.
    public var rate: Double?
    /// The longest wait for one role to report that it is ready or settled. Only a guard against
    /// a hang: roles report as soon as they are done, and no step sleeps.
    public var reportTimeout: Duration

    public init(
        connections: Int? = nil,
        fixed: Bool = false,
        rate: Double? = nil,
        reportTimeout: Duration = .seconds(60)
    ) {
        self.connections = connections
        self.fixed = fixed
        self.rate = rate
        self.reportTimeout = reportTimeout
    }

    /// `connections`, or the scenario's default, checked against what the scenario can do.
    ///
    /// The bounds keep every process under the per-process fd limit (20,000 here) and the number
    /// of handler processes of `fork-shared` reasonable.
    ///
    /// - Throws: `LabError.Code.invalidOptions` with the allowed range.
    public func resolvedConnections(for scenario: LabScenario) throws(LabError) -> Int {
        let value = connections ?? scenario.defaultConnections
        let range = scenario.allowedConnections
        guard range.contains(value) else {
            throw LabError(
                .invalidOptions,
                "--connections for \(scenario.id) (\(scenario.connectionsMeaning)) must be between "
                    + "\(range.lowerBound) and \(range.upperBound), not \(value)"
            )
        }
        return value
    }

    /// Checks `rate` against the scenario.
    ///
    /// - Throws: `LabError.Code.invalidOptions` when the scenario is not paced or the rate is
    ///   not between 0.1 and 100,000 connections per second.
    public func checkRate(for scenario: LabScenario) throws(LabError) {
        guard let rate else { return }
        guard scenario.pacedByRate else {
            let paced = LabScenario.all.filter(\.pacedByRate).map(\.id).joined(separator: ", ")
            throw LabError(.invalidOptions, "--rate applies only to \(paced), not to \(scenario.id)")
        }
        guard rate >= 0.1, rate <= 100_000 else {
            throw LabError(.invalidOptions, "--rate must be between 0.1 and 100000 connections per second, not \(rate)")
        }
    }

    /// How long the roles may take to settle: `reportTimeout`, plus the time the paced client
    /// needs for its connections.
    func settleTimeout(connections: Int) -> Duration {
        guard let rate else { return reportTimeout }
        return reportTimeout + .seconds(Double(connections + LabRun.emfileExtraConnections) / rate)
    }
}

extension LabScenario {
    /// Whether `--rate` paces the scenario's client: those that open one connection after another.
    public var pacedByRate: Bool {
        switch kind {
        case .closeWaitNoRead, .closeWaitEOF, .closeWaitData, .emfile, .resetHeld: true
        default: false
        }
    }

    /// The values `--connections` may take for this scenario.
    public var allowedConnections: ClosedRange<Int> {
        switch kind {
        // Half the clients close and half stay: at least one of each. One handler process each.
        case .forkShared: 2...200
        // A limit must leave room for the fds every process starts with.
        case .emfile: 32...10_000
        // The range starts at 40000 and must stay below 65536.
        case .portExhaustion: 16...10_000
        // More clients than the accept queue holds, so that some SYNs are dropped.
        case .acceptStall: 16...1000
        // Each attempt retransmits its SYN for two minutes.
        case .unansweredSYN: 1...1000
        default: 1...10_000
        }
    }
}
