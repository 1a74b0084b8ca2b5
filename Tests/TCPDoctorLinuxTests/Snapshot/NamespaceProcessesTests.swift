import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// With one namespace asked for (`--netns`), the snapshot's processes are that namespace's: a
/// process elsewhere that holds only sockets of other namespaces is no holder here, so that the
/// rules about processes (fd exhaustion) and serve's per-process families do not judge it.
@Suite(.enabled(if: TestNamespace.isAvailable, "needs root and iproute2 for a network namespace"))
struct NamespaceProcessesTests {
    @Test func onlyTheNamespacesHoldersAreItsProcesses() throws {
        let outside = try LoopbackSocket.listen()
        let namespace = try TestNamespace()
        let inside = try namespace.spawnPython(
            "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print('ready', flush=True); time.sleep(120)"
        )
        #expect(try inside.readLine(timeout: 10) == "ready")

        let one = try SnapshotReader.read(SnapshotRequest(namespaces: .named(namespace.name)))
        #expect(one.processes[inside.pid] != nil, "the namespace's own listener's process is missing")
        #expect(one.processes[getpid()] == nil, "this process holds no socket of the namespace")

        // The control: reading every namespace, this process is a holder (of its own listener).
        let all = try SnapshotReader.read(SnapshotRequest())
        #expect(all.processes[getpid()] != nil)
        #expect(all.processes[inside.pid] != nil)
        withExtendedLifetime((outside, namespace, inside)) {}
    }
}
