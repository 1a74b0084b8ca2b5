import Testing

@testable import TCPDoctorCore

/// Which fds `free-fds` takes, from a snapshot built by hand: CLOSE_WAIT and dead ones, the
/// filter applied, other states refused unless forced, listeners never.
struct FreeFDsPlanTests {
    static func socket(_ state: TCPState, port: UInt16, inode: UInt64) -> SocketRecord {
        SocketRecord(
            state: state,
            local: Endpoint(address: IPAddress("10.0.0.5")!, port: 8000),
            remote: Endpoint(address: IPAddress("10.0.0.9")!, port: port),
            inode: inode
        )
    }

    static let snapshot: Snapshot = {
        let listener = SocketRecord(
            state: .listen,
            local: Endpoint(address: IPAddress("0.0.0.0")!, port: 8000),
            remote: Endpoint(address: IPAddress("0.0.0.0")!, port: 0),
            inode: 10
        )
        return Snapshot(
            takenAt: 0,
            sockets: [
                listener, socket(.closeWait, port: 5432, inode: 11), socket(.closeWait, port: 443, inode: 12),
                socket(.established, port: 443, inode: 13), socket(.closeWait, port: 443, inode: 14),
            ],
            owners: SocketOwnerTable([
                10: [SocketOwner(pid: 7, fd: 3)], 11: [SocketOwner(pid: 7, fd: 5)],
                12: [SocketOwner(pid: 7, fd: 6), SocketOwner(pid: 8, fd: 6)], 13: [SocketOwner(pid: 7, fd: 4)],
                14: [SocketOwner(pid: 9, fd: 4)], 15: [SocketOwner(pid: 7, fd: 9)],
            ]),
            deadSocketFDs: [DeadSocketFD(owner: SocketOwner(pid: 7, fd: 9), inode: 15, protocolName: "TCP")],
            unverifiedSocketFDs: [
                UnverifiedSocketFD(
                    owner: SocketOwner(pid: 7, fd: 8),
                    inode: 16,
                    protocolName: "TCP",
                    reason: .notIdleLongEnough,
                    detail: "active 0.1 s ago"
                )
            ]
        )
    }()

    @Test func takesTheCloseWaitAndDeadFDsOfThePIDAndRefusesTheRest() {
        let plan = FDFreePlan.make(pid: 7, in: Self.snapshot)
        #expect(plan.targets.map(\.fd) == [5, 6, 9])
        #expect(plan.targets.map(\.state) == [.closeWait, .closeWait, nil])
        #expect(plan.targets[1].otherHolders == [SocketOwner(pid: 8, fd: 6)])
        #expect(plan.refusals.map(\.target.fd) == [4, 8])
        #expect(plan.refusals.map(\.reason) == [.notLeaked, .unverified])
        #expect(plan.refusals[0].detail.contains("ESTABLISHED"))
    }

    @Test func forceTakesOtherStatesButNeverTheListener() {
        let plan = FDFreePlan.make(pid: 7, in: Self.snapshot, force: true)
        #expect(plan.targets.map(\.fd) == [4, 5, 6, 8, 9])
        #expect(plan.refusals.isEmpty)
    }

    @Test func aFilterSelectsLiveSocketsAndLeavesDeadOnesOut() throws {
        let plan = FDFreePlan.make(
            pid: 7,
            in: Self.snapshot,
            filter: try SocketFilter(arguments: ["dport", "=", ":443"])
        )
        #expect(plan.targets.map(\.fd) == [6])
        #expect(plan.refusals.map(\.target.fd) == [4])
    }

    @Test func aReportIsCompleteOnlyWhenEveryTargetWasFreed() {
        let plan = FDFreePlan.make(pid: 7, in: Self.snapshot)
        var report = FDFreeReport(
            plan: plan,
            acted: true,
            outcomes: plan.targets.map { .init(target: $0, result: .closed) }
        )
        #expect(report.isComplete && report.freedCount == 3)
        report.outcomes[1].result = .changed(inode: 99)
        #expect(!report.isComplete && report.freedCount == 2)
        #expect(FDFreeReport.dryRun(plan, command: nil, fds: 12).isComplete)
    }
}

/// The refusals before any ptrace call, each with the reason that applies.
struct FreeFDsPreflightTests {
    static func facts(
        yama: Int? = nil,
        capability: Bool = false,
        uids: [UInt32] = [1000, 1000, 1000],
        tracer: Int32 = 0,
        seccomp: Int = 0,
        descendant: Bool = false
    ) -> PtraceFacts {
        PtraceFacts(
            yamaScope: yama,
            hasCapSysPtrace: capability,
            callerUID: 1000,
            targetUIDs: uids,
            tracerPID: tracer,
            tracerCommand: tracer == 0 ? nil : "gdb",
            seccompMode: seccomp,
            isDescendant: descendant
        )
    }

    @Test(
        arguments: [
            (facts(), false, nil),
            (facts(tracer: 42), false, FDFreeRefusal.Reason.alreadyTraced),
            (facts(yama: 3, capability: true), false, .yama),
            (facts(yama: 2), false, .yama),
            (facts(yama: 2, capability: true), false, nil),
            (facts(yama: 1), false, .yama),
            (facts(yama: 1, descendant: true), false, nil),
            (facts(yama: 1, capability: true), false, nil),
            (facts(yama: 0, uids: [0, 0, 0]), false, .permission),
            (facts(capability: true, uids: [0, 0, 0]), false, nil),
            (facts(seccomp: 2), false, .seccomp),
            (facts(seccomp: 2), true, nil),
            (facts(seccomp: 1), false, .seccomp),
        ] as [(PtraceFacts, Bool, FDFreeRefusal.Reason?)]
    )
    func refusesForTheReasonThatApplies(facts: PtraceFacts, force: Bool, expected: FDFreeRefusal.Reason?) {
        #expect(FDFreePreflight.refusal(facts, pid: 7, force: force)?.reason == expected)
    }

    @Test func theMessagesNameTheCause() {
        #expect(
            FDFreePreflight.refusal(Self.facts(tracer: 42), pid: 7, force: false)?.message.contains("pid 42 (gdb)")
                == true
        )
        #expect(
            FDFreePreflight.refusal(Self.facts(yama: 2), pid: 7, force: false)?.message.contains("ptrace_scope is 2")
                == true
        )
        #expect(
            FDFreePreflight.refusal(Self.facts(seccomp: 2), pid: 7, force: false)?.message.contains("SIGSYS") == true
        )
    }
}
