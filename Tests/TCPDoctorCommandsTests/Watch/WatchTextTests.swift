import TCPDoctorCore
import Testing

@testable import TCPDoctorCommands

/// The table lines of `watch`, from Core values: aligned columns, the sort mark, blank changes on
/// the first frame, fd use, and process names that cannot drive the terminal.
struct WatchTextTests {
    static func table(command: String, sort: WatchTable.Column = .total, second: Bool = false) -> WatchTable {
        let sockets = (1...3).map { index in
            SocketRecord(
                state: index == 1 ? .listen : .closeWait,
                local: Endpoint(address: IPAddress("127.0.0.1")!, port: 8000),
                remote: Endpoint(address: IPAddress("127.0.0.1")!, port: UInt16(40000 + index)),
                inode: UInt64(index),
                netns: 1
            )
        }
        let snapshot = Snapshot(
            takenAt: 100,
            sockets: sockets,
            owners: SocketOwnerTable(
                Dictionary(uniqueKeysWithValues: (1...3).map { (UInt64($0), [SocketOwner(pid: 42, fd: Int32($0))]) })
            ),
            processes: [42: TCPProcess(pid: 42, command: command, openFiles: 512, fileLimitSoft: 1024)],
            coverage: Coverage(ownersScanned: true)
        )
        let histogram = StateHistogram(sockets: sockets, in: snapshot, groupedBy: .process)
        let before = WatchCounts(takenAt: 90, total: 1, groups: ["\(command) (pid 42)": 1])
        return WatchTable(
            histogram: histogram,
            snapshot: snapshot,
            grouping: .process,
            sort: sort,
            previous: second ? before : nil,
            start: second ? before : nil
        )
    }

    @Test func linesAlignAndMarkTheSortColumn() throws {
        let lines = WatchText.table(Self.table(command: "server"))
        #expect(lines.count == 2)
        #expect(lines[0] == "Group            CLOSE_WAIT  LISTEN  Total*  +Last  +Start        FD use")
        #expect(lines[1] == "server (pid 42)           2       1       3              0  512/1024 50%")
        #expect(!lines[1].contains("+"), "no +Last on the first frame: \(lines[1])")
        let byCloseWait = WatchText.table(Self.table(command: "server", sort: .state(.closeWait)))
        #expect(byCloseWait[0].contains("CLOSE_WAIT*") && !byCloseWait[0].contains("Total*"))
    }

    @Test func changesAreSigned() {
        let lines = WatchText.table(Self.table(command: "server", second: true))
        #expect(lines[1].contains("     +2      +2  512/1024 50%"), "\(lines[1])")
        #expect(WatchText.signed(-3) == "-3")
        #expect(WatchText.signed(0) == "0")
        #expect(WatchText.fdUse(WatchTable.FDUse(pid: 1, open: 7, softLimit: nil)) == "7/unlimited")
        #expect(WatchText.cpu(0.0125) == "0.013")
        #expect(WatchText.cpu(1.5) == "1.500")
    }

    @Test func processNamesCannotDriveTheTerminal() {
        let lines = WatchText.table(Self.table(command: "evil\u{1B}]0;owned\u{7}"))
        #expect(lines.allSatisfy { !$0.contains("\u{1B}") && !$0.contains("\u{7}") })
        #expect(lines[1].hasPrefix("evil\\x1b]0;owned\\x07 (pid 42)"), "\(lines[1])")
    }
}
