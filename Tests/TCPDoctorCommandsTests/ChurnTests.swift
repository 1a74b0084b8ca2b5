import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// Sockets and processes that come and go during a scan must never crash tcpdoctor or give a
/// socket an owner that does not hold it.
@Suite(.serialized)
struct ChurnTests {
    /// Opens and closes connections as fast as it can, and forks short-lived children that hold
    /// one of them, until killed; prints the listener's port first.
    static let churner = """
        import ctypes, os, socket, time
        ctypes.CDLL(None).prctl(1, 9)
        l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1024)
        print(l.getsockname()[1], flush=True)
        n = 0
        while True:
            c = socket.socket(); c.connect(l.getsockname()); s, _ = l.accept()
            n += 1
            if n % 50 == 0:
                if os.fork() == 0:
                    time.sleep(0.01); os._exit(0)
                os.waitpid(-1, os.WNOHANG)
            s.close(); c.close()
        """

    @Test func scansDuringThousandsOfConnectionsASecond() throws {
        let churner = try ChildProcess.python(Self.churner)
        let port = try churner.readLine()
        for _ in 0..<8 {
            let run = try runTCPDoctor([
                "sockets", "--json", "src", "127.0.0.1:\(port)", "or", "dst", "127.0.0.1:\(port)",
            ])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let sockets = try run.json()["sockets"] as? [[String: Any]] ?? []
            #expect(!sockets.isEmpty, "at least the listener")
            for socket in sockets {
                for owner in socket["owners"] as? [[String: Any]] ?? [] {
                    // The churner or one of its short-lived forks (python3 too), never a holder
                    // whose process could no longer be read.
                    let pid = owner["pid"] as? Int32
                    #expect(pid == churner.pid || owner["command"] as? String == "python3", "unexpected owner \(owner)")
                }
            }
        }
        let doctor = try runTCPDoctor(["doctor", "--json"])
        #expect(doctor.status == 0 || doctor.status == 1, "stderr: \(doctor.stderr)")
        #expect(try doctor.json()["findings"] != nil)
    }
}
