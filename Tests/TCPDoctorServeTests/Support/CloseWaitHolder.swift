import Foundation
import TCPDoctorTestSupport

/// A real process of a command name of its own that holds CLOSE_WAIT sockets: it accepts
/// `sockets` connections from the test, whose clients then close, and never closes its ends.
///
/// Killed with its process group when released (`ChildProcess`), and ended by its own alarm
/// should the test crash first. Extra `arguments` land in its command line only, never in its
/// command name (which is what serve shows).
final class CloseWaitHolder {
    let process: ChildProcess
    /// The holder's listening port.
    let port: UInt16
    var pid: Int32 { process.pid }

    /// - Parameters:
    ///   - command: Its name, written to `/proc/self/comm` (the kernel keeps 15 bytes).
    ///   - sockets: Connections it accepts and holds in CLOSE_WAIT.
    ///   - arguments: More arguments for its command line.
    init(command: String, sockets: Int, arguments: [String] = []) throws {
        process = try ChildProcess(
            ChildProcess.pythonCommand(
                """
                import signal, socket, sys
                with open('/proc/self/comm', 'w') as comm: comm.write(sys.argv[1])
                listener = socket.socket(); listener.bind(('127.0.0.1', 0)); listener.listen(64)
                print(listener.getsockname()[1], flush=True)
                held = [listener.accept()[0] for _ in range(int(sys.argv[2]))]
                print('accepted', flush=True)
                signal.pause()
                """
            ) + [command, String(sockets)] + arguments
        )
        guard let port = UInt16(try process.readLine()) else { throw ServeTestError("the holder printed no port") }
        self.port = port
        var clients = try (0..<sockets).map { _ in try LoopbackSocket.connect(to: port) }
        guard try process.readLine() == "accepted" else { throw ServeTestError("the holder did not accept") }
        // The clients close: their FINs put the holder's ends in CLOSE_WAIT (once delivered).
        for client in clients { client.close() }
        clients.removeAll()
    }
}
