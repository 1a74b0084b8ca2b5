import Foundation
import TCPDoctorTestSupport

/// A real process that holds three TCP socket fds in no kernel table: one whose peer reset it
/// (SO_LINGER 0), one whose non-blocking connect() was refused a moment ago, and one never
/// connected. Only the first is a dead socket fd.
struct ResetSocketHolder {
    let process: ChildProcess
    let resetFD: Int32
    let resetInode: UInt64
    let refusedFD: Int32
    let refusedInode: UInt64
    let freshInode: UInt64

    var pid: Int32 { process.pid }

    static let source = """
        import json, os, socket, struct, time
        def state(s): return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
        def until(condition):
            deadline = time.monotonic() + 10
            while not condition():
                if time.monotonic() > deadline: raise SystemExit('timed out')
                time.sleep(0.001)
        listener = socket.socket(); listener.bind(('127.0.0.1', 0)); listener.listen()
        client = socket.create_connection(listener.getsockname()); server, _ = listener.accept()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); client.close()
        until(lambda: state(server) == 7)
        gone = socket.socket(); gone.bind(('127.0.0.1', 0)); port = gone.getsockname()[1]; gone.close()
        refused = socket.socket(); refused.setblocking(False); refused.connect_ex(('127.0.0.1', port))
        until(lambda: state(refused) == 7)
        fresh = socket.socket()
        ino = lambda s: os.fstat(s.fileno()).st_ino
        print(json.dumps({'reset': [server.fileno(), ino(server)], 'refused': [refused.fileno(), ino(refused)],
                          'fresh': ino(fresh)}), flush=True)
        time.sleep(600)
        """

    /// Starts the holder, optionally through a privilege-changing prefix such as `setpriv ...`.
    init(prefix: [String] = []) throws {
        process = try ChildProcess(prefix + ChildProcess.pythonCommand(Self.source))
        let line = try process.readLine()
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let reset = object["reset"] as? [Int], let refused = object["refused"] as? [Int],
            let fresh = object["fresh"] as? Int, reset.count == 2, refused.count == 2
        else { throw RunError("the holder printed \(line)") }
        resetFD = Int32(reset[0])
        resetInode = UInt64(reset[1])
        refusedFD = Int32(refused[0])
        refusedInode = UInt64(refused[1])
        freshInode = UInt64(fresh)
    }

    /// The entries of a document's list `key` that this holder's pid holds.
    func entries(_ key: String, in document: [String: Any]) -> [[String: Any]] {
        (document[key] as? [[String: Any]] ?? []).filter { $0["pid"] as? Int32 == pid }
    }

    /// The doctor's `dead-socket-fds` findings about this holder.
    func deadSocketFindings(in document: [String: Any]) -> [[String: Any]] {
        (document["findings"] as? [[String: Any]] ?? []).filter { finding in
            finding["rule"] as? String == "dead-socket-fds"
                && (finding["processes"] as? [[String: Any]] ?? []).contains { $0["pid"] as? Int32 == pid }
        }
    }
}
