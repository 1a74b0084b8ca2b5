import TCPDoctorCore
import Testing

/// The plan of `kill` and the judgement of each reply, without a kernel.
struct KillPlanTests {
    static let loopback = IPAddress(ipv4: 0x7f00_0001)

    static func socket(
        _ state: TCPState,
        local: UInt16,
        remote: UInt16,
        cookie: UInt64,
        inode: UInt64 = 0
    ) -> SocketRecord {
        SocketRecord(
            state: state,
            local: Endpoint(address: loopback, port: local),
            remote: Endpoint(address: state == .listen ? .ipv4Any : loopback, port: remote),
            inode: inode,
            cookie: cookie,
            netns: 7
        )
    }

    static let listener = socket(.listen, local: 8000, remote: 0, cookie: 1, inode: 100)
    static let closeWait = socket(.closeWait, local: 8000, remote: 40001, cookie: 2, inode: 101)
    static let established = socket(.established, local: 8000, remote: 40002, cookie: 3, inode: 102)
    static let snapshot = Snapshot(
        takenAt: 0,
        sockets: [listener, closeWait, established],
        owners: SocketOwnerTable([100: [SocketOwner(pid: 42, fd: 3)], 101: [SocketOwner(pid: 42, fd: 4)]])
    )

    static func plan(_ words: [String], pids: [Int32] = [], force: Bool = false) throws -> KillPlan {
        KillPlan(
            snapshot: snapshot,
            filter: try SocketFilter(arguments: words),
            processes: ProcessSelection(pids: pids),
            force: force
        )
    }

    @Test func aFilterSelectsItsSocketsOnly() throws {
        let plan = try Self.plan(["state", "close-wait"])
        #expect(plan.targets == [Self.closeWait])
        #expect(plan.refusal == nil)
        #expect(plan.namespaces == [7])
    }

    @Test func listenersAreRefusedUnlessForced() throws {
        let plan = try Self.plan(["sport", "=", ":8000"])
        #expect(plan.refusal == .listening(count: 1))
        #expect(plan.refusal?.message.contains("--force") == true)
        #expect(try Self.plan(["sport", "=", ":8000"], force: true).refusal == nil)
        #expect(try Self.plan(["sport", "=", ":8000", "exclude", "listening"]).refusal == nil)
    }

    @Test func anEmptyFilterIsRefusedUnlessForcedOrNarrowedToProcesses() throws {
        let plan = try Self.plan([])
        #expect(plan.refusal == .emptyFilter)
        #expect(plan.targets.count == 3)
        #expect(try Self.plan([], force: true).refusal == nil)
        // A process selection narrows it: pid 42 holds the listener, which is refused as such.
        #expect(try Self.plan([], pids: [42]).refusal == .listening(count: 1))
        #expect(try Self.plan(["state", "close-wait"], pids: [42]).targets == [Self.closeWait])
    }

    static let errno = KernelErrno(value: 2, name: "ENOENT", text: "No such file or directory")

    @Test func aReplyIsJudgedAgainstTheDumpAfterIt() {
        let target = Self.closeWait
        var successor = target
        successor.cookie = 99
        successor.state = .synSent
        let gone = KillVerification([Self.listener])
        let still = KillVerification([Self.listener, target])
        let replaced = KillVerification([Self.listener, successor])

        #expect(KillOutcome.judge(.destroyed, for: target, after: gone) == .destroyed)
        #expect(KillOutcome.judge(.destroyed, for: target, after: still) == .survived)
        #expect(KillOutcome.judge(.destroyed, for: target, after: nil) == .destroyed)
        #expect(KillOutcome.judge(.noSuchSocket(Self.errno), for: target, after: gone) == .alreadyGone)
        #expect(
            KillOutcome.judge(.noSuchSocket(Self.errno), for: target, after: replaced)
                == .replaced(cookie: 99, state: .synSent)
        )
        if case .refused(let errno, _) = KillOutcome.judge(.noSuchSocket(Self.errno), for: target, after: still) {
            #expect(errno == Self.errno)
        } else {
            Issue.record("a socket still there after ENOENT is not gone")
        }
        let eperm = KernelErrno(value: 1, name: "EPERM", text: "Operation not permitted")
        let refused = KillOutcome.judge(.notPermitted(eperm), for: target, after: still)
        #expect(refused.code == "refused" && refused.errno == eperm && refused.detail.contains("CAP_NET_ADMIN"))
        let unsupported = KernelErrno(value: 95, name: "EOPNOTSUPP", text: "Operation not supported")
        let outcome = KillOutcome.judge(.notSupported(unsupported), for: target, after: still)
        #expect(outcome == .notSupported(unsupported) && outcome.detail.contains("CONFIG_INET_DIAG_DESTROY"))
    }

    @Test func theReportCountsEveryOutcomeAndTheFDsLeftOpen() {
        let plan = KillPlan(targets: [Self.closeWait, Self.established], refusal: nil, forced: false)
        let report = KillReport(
            snapshot: Self.snapshot,
            plan: plan,
            acted: true,
            results: [
                KillReport.Result(socket: Self.closeWait, outcome: .destroyed),
                KillReport.Result(socket: Self.established, outcome: .alreadyGone),
            ]
        )
        let totals = Dictionary(uniqueKeysWithValues: report.totals.map { ($0.code, $0.count) })
        #expect(totals["destroyed"] == 1 && totals["already_gone"] == 1 && totals["refused"] == 0)
        #expect(report.totals.count == 7)
        #expect(report.everyTargetGone)
        #expect(report.orphanedDescriptors == 1)
        #expect(KillReport.descriptorNote.contains("free-fds"))
    }
}
