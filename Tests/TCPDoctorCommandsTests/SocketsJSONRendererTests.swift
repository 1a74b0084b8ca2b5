import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorOutput
import Testing

@testable import TCPDoctorCommands

/// `sockets --json` for owners whose process record is missing (it exited, or could not be
/// read, between the fd walk and the process read): `command` is null, as documented, never a
/// made-up empty name.
struct SocketsJSONRendererTests {
    /// Renders through a real file descriptor and returns the document.
    static func render(_ snapshot: Snapshot) throws -> (text: String, document: [String: Any]) {
        let directory = try ScratchDirectory()
        let path = directory.file("sockets.json")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        do {
            var json = JSONWriter(OutputBuffer(fd: fd))
            SocketsJSONRenderer(snapshot: snapshot, includeInfo: false)
                .write(
                    snapshot.sockets,
                    dead: snapshot.deadSocketFDs,
                    unverified: snapshot.unverifiedSocketFDs,
                    to: &json
                )
        }
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return (text, document)
    }

    @Test func unknownOwnerHasANullCommand() throws {
        let gone = SocketOwner(pid: 999_999, fd: 7)
        let snapshot = Snapshot(
            takenAt: 1_700_000_000,
            sockets: [
                SocketRecord(
                    state: .closeWait,
                    local: .test("127.0.0.1", 8000),
                    remote: .test("127.0.0.1", 51_022),
                    recvQ: 1,
                    inode: 42,
                    netns: 4_026_531_833
                )
            ],
            namespaces: [NetworkNamespace(inode: 4_026_531_833, names: [], isHost: true)],
            owners: SocketOwnerTable([42: [gone]]),
            deadSocketFDs: [DeadSocketFD(owner: SocketOwner(pid: 999_999, fd: 9), inode: 43, protocolName: "TCP")]
        )
        let (text, document) = try Self.render(snapshot)
        let socket = try #require((document["sockets"] as? [[String: Any]])?.first)
        let owner = try #require((socket["owners"] as? [[String: Any]])?.first)
        #expect(owner["pid"] as? Int == 999_999)
        #expect(owner["command"] is NSNull, "\(owner)")
        let dead = try #require((document["dead_socket_fds"] as? [[String: Any]])?.first)
        #expect(dead["command"] is NSNull, "\(dead)")
        #expect((document["processes"] as? [Any])?.isEmpty == true)
        if SchemaCheck.isAvailable {
            let check = try SchemaCheck()
            try check.add(text, schema: "sockets", label: "unknown-owner")
            let problems = try check.problems()
            #expect(problems.isEmpty, "\(problems)")
        }
    }
}
