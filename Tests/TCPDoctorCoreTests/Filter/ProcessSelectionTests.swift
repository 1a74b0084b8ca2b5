import Testing

@testable import TCPDoctorCore

/// `--pid` and `--process` as a library value: which sockets and findings they keep.
struct ProcessSelectionTests {
    @Test func namesMatchCommArgvZeroOrItsLastComponent() {
        let process = TCPProcess(pid: 7, command: "gunicorn: work", argv: ["/opt/my app/bin/gunicorn", "-w", "4"])
        #expect(ProcessSelection.name("gunicorn: work", names: process))
        #expect(ProcessSelection.name("/opt/my app/bin/gunicorn", names: process))
        #expect(ProcessSelection.name("gunicorn", names: process))
        #expect(!ProcessSelection.name("bin/gunicorn", names: process))
        #expect(!ProcessSelection.name("-w", names: process))
        #expect(!ProcessSelection.name("gunicorn", names: TCPProcess(pid: 8, command: "python3")))
    }

    @Test func socketsAndFindingsOfTheSelectedProcessesOnly() {
        var builder = SnapshotBuilder()
        builder.process(301, "leaky")
        builder.process(302, "other")
        builder.add(70, .closeWait, localPort: { _ in 9301 }, recvQ: { _ in 1 }, pids: [301])
        builder.add(60, .closeWait, localPort: { _ in 9302 }, recvQ: { _ in 1 }, pids: [302])
        let input = builder.input()
        let snapshot = input.snapshot
        let all = Doctor.diagnose(input, only: ["close-wait-leak"])
        #expect(all.count == 2)

        let byName = ProcessSelection(names: ["leaky"])
        #expect(byName.findings(all, in: snapshot).map { $0.processes.map(\.pid) } == [[301]])
        #expect(snapshot.sockets.filter { byName.holds($0, in: snapshot) }.count == 70)

        let byPID = ProcessSelection(pids: [302])
        #expect(byPID.findings(all, in: snapshot).map { $0.processes.map(\.pid) } == [[302]])
        #expect(!byPID.selects(pid: 301, in: snapshot))
        #expect(ProcessSelection(pids: [999]).findings(all, in: snapshot).isEmpty)

        #expect(ProcessSelection.all.isAll && ProcessSelection.all.findings(all, in: snapshot) == all)
        #expect(snapshot.sockets.allSatisfy { ProcessSelection.all.holds($0, in: snapshot) })
    }
}
