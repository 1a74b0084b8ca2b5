import Foundation
import Glibc
import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

/// Real connections on loopback recorded with tcpdump, then analysed: who closed first, who held
/// CLOSE_WAIT and how long, and a late FIN that met RST after a short tcp_fin_timeout.
@Suite(
    .serialized,
    .enabled(if: LiveCapture.isRoot && LiveCapture.toolExists(LiveCapture.tcpdump), "needs root and tcpdump")
)
struct RecordedCloseTests {
    enum Pattern: String, CaseIterable, Sendable {
        case clientClosesFirst
        case serverClosesFirst
        /// The server reads the client's EOF, waits a second, then closes.
        case closeWaitHeldOneSecond
    }

    @Test(arguments: Pattern.allCases)
    func recordedClose(_ pattern: Pattern) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("\(pattern.rawValue).pcap")
        let listener = try LoopbackSocket.listen()
        let capture = try CaptureProcess(
            LiveCapture.tcpdump,
            Recording.tcpdumpArguments(path: path, port: listener.port),
            readyMarker: "listening on",
            errorPath: directory.file("tcpdump.err")
        )
        defer { capture.stop() }
        try Recording.waitUntilCapturing(path, listener: listener)

        let client = try LoopbackSocket.connect(to: listener.port)
        let server = try listener.accept()
        let clientPort = client.port
        try client.send("hello")
        #expect(try server.receive(limit: 5) == Array("hello".utf8))
        try server.send("world")
        #expect(try client.receive(limit: 5) == Array("world".utf8))
        switch pattern {
        case .clientClosesFirst, .closeWaitHeldOneSecond:
            client.close()
            #expect(try server.receive() == [], "the server reads EOF")
            if pattern == .closeWaitHeldOneSecond { usleep(1_000_000) }
            server.close()
        case .serverClosesFirst:
            server.close()
            #expect(try client.receive() == [], "the client reads EOF")
            client.close()
        }
        // Stop once both FINs and the last ACK are in the file (bounded: a lost packet fails below).
        _ = LiveCaptureTests.waitForSegment(in: path, seconds: 10) { segment in
            segment.flags == .ack && (segment.source.port == clientPort || segment.destination.port == clientPort)
                && segment.acknowledgment != 0 && Self.finCount(path, clientPort) >= 2
        }
        capture.stop()

        let (connections, segments) = try Recording.analyze(path)
        let connection = try #require(connections.first { $0.originator.port == clientPort }, "\(capture.diagnostics)")
        #expect(connection.originator.address == IPAddress("127.0.0.1"))
        #expect(connection.responder.port == listener.port)
        #expect(connection.originatorBasis == .syn)
        #expect(connection.ended == .fin)
        #expect(connection.zeekConnState == .SF)
        #expect(connection.originatorStats.bytes == 5 && connection.responderStats.bytes == 5)
        let closeWait = try #require(connection.closeWait)
        switch pattern {
        case .clientClosesFirst:
            #expect(connection.activeCloser == .originator)
            #expect(closeWait.side == .responder)
            #expect(closeWait.seconds < 1)
        case .serverClosesFirst:
            #expect(connection.activeCloser == .responder)
            #expect(closeWait.side == .originator)
            #expect(closeWait.seconds < 1)
        case .closeWaitHeldOneSecond:
            #expect(connection.activeCloser == .originator)
            #expect(closeWait.side == .responder)
            // CLOSE_WAIT counts from the server's ACK of the FIN, which the kernel may delay by up
            // to TCP_DELACK_MAX (200 ms) while the application's 1 s sleep starts at the FIN.
            #expect(closeWait.seconds >= 0.79 && closeWait.seconds < 10, "\(closeWait.seconds)")
            #expect(closeWait.endedBy == .fin)
        }
        // Both timelines end closed: the responder through LAST_ACK, the active closer in TIME_WAIT.
        let passive = connection.timeline(closeWait.side)
        #expect(passive.transitions.map(\.to).suffix(3) == [.closeWait, .lastAck, .closed])
        #expect(connection.timeline(closeWait.side.peer).finalState == .timeWait)
        try Self.crossCheck(path, connections: connections, segments: segments)
    }

    /// A late FIN met by RST: inside a namespace of the test's own with tcp_fin_timeout at 1 s, the
    /// client closes, its orphaned FIN_WAIT2 expires, and the server's FIN 3 s later finds nothing.
    @Test(.enabled(if: TestNamespace.isAvailable, "needs root and iproute2"))
    func lateFINMeetsResetAfterShortFinTimeout() throws {
        let ip = try #require(Recording.ipPath)
        let directory = try TemporaryDirectory()
        let namespace = try TestNamespace()
        try #require(
            try Recording.run(ip, ["netns", "exec", namespace.name, "sysctl", "-w", "net.ipv4.tcp_fin_timeout=1"]),
            "cannot set tcp_fin_timeout in \(namespace.name)"
        )
        let path = directory.file("late-fin.pcap")
        let port: UInt16 = 8080
        let capture = try CaptureProcess(
            ip,
            ["netns", "exec", namespace.name, LiveCapture.tcpdump] + Recording.tcpdumpArguments(path: path, port: port),
            readyMarker: "listening on",
            errorPath: directory.file("tcpdump.err")
        )
        defer { capture.stop() }
        let go = directory.file("go")
        let peers = try namespace.spawnPython(Self.lateFINPeers, "\(port)", go)
        #expect(try peers.readLine() == "listening")
        // The peers connect probes until told to go; go once a probe is in the file.
        let capturing = LiveCaptureTests.waitForSegment(in: path, seconds: 15) {
            $0.flags == .syn && $0.destination.port == port
        }
        try #require(capturing, "tcpdump in \(namespace.name) wrote no probe: \(capture.diagnostics)")
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        let clientPort = try #require(UInt16(try peers.readLine(timeout: 20)))
        #expect(try peers.readLine(timeout: 20) == "done")
        _ = LiveCaptureTests.waitForSegment(in: path, seconds: 10) {
            $0.flags.contains(.rst) && $0.source.port == clientPort
        }
        capture.stop()

        let (connections, segments) = try Recording.analyze(path, configuration: .init(finTimeout: .seconds(1)))
        let connection = try #require(connections.first { $0.originator.port == clientPort })
        #expect(connection.activeCloser == .originator)
        #expect(connection.ended == .lateFINReset)
        let late = try #require(connection.lateFIN)
        #expect(late.side == .responder)
        #expect(late.forgottenIn == .finWait2)
        // The server slept 3 s between reading EOF and closing: under Linux's default 60 s.
        #expect(late.gapSeconds >= 2.9 && late.gapSeconds < 30, "\(late.gapSeconds)")
        #expect(!late.exceedsLinuxLimit)
        let closeWait = try #require(connection.closeWait)
        #expect(closeWait.side == .responder)
        #expect(closeWait.seconds >= 2.9 && closeWait.seconds < 30, "\(closeWait.seconds)")
        let reset = try #require(connection.reset)
        #expect(reset.side == .originator)
        #expect(reset.senderState == .closed)
        #expect(reset.afterBothFINs)
        // The client's timeline: FIN_WAIT2, then the inferred expiry, then the RST answering the late FIN.
        let client = connection.originatorTimeline.transitions
        #expect(client.contains { $0.event == .finWait2Timeout && $0.inferred })
        #expect(client.last?.from == .closed && client.last?.sends == .rst)
        try Self.crossCheck(path, connections: connections, segments: segments)
    }

    /// Where tshark is installed: per connection, SYN, FIN and RST counts in each direction from
    /// tshark's dissector match those of the segments the analysis gave each connection.
    static func crossCheck(_ path: String, connections: [Connection], segments: [TCPSegment]) throws {
        guard LiveCapture.toolExists(LiveCapture.tshark) else { return }
        let streams = try FlagCounts.fromTshark(path)
        #expect(
            streams.count == connections.count,
            "tshark sees \(streams.count) streams, tcpdoctor \(connections.count)"
        )
        for connection in connections {
            var mine = FlagCounts()
            for segment in Recording.segments(of: connection, in: segments) {
                mine.count(flags: segment.flags, forward: segment.source == connection.originator)
            }
            let theirs = streams.first {
                $0.originatorPort == connection.originator.port && $0.responderPort == connection.responder.port
            }
            #expect(
                theirs?.counts == mine,
                "\(connection.originator) -> \(connection.responder): tshark \(theirs.map { "\($0.counts)" } ?? "none"), tcpdoctor \(mine)"
            )
            let packets = Int(connection.originatorStats.packets + connection.responderStats.packets)
            #expect(Recording.segments(of: connection, in: segments).count == packets)
        }
    }

    private static func finCount(_ path: String, _ port: UInt16) -> Int {
        var count = 0
        _ = try? CaptureReader.readSegments(
            from: path,
            onSegment: { segment in
                if segment.flags.contains(.fin) && (segment.source.port == port || segment.destination.port == port) {
                    count += 1
                }
            }
        )
        return count
    }

    /// The two peers of the late-FIN test, in one Python process inside the namespace.
    static let lateFINPeers = """
        import os, socket, sys, time
        port, go = int(sys.argv[1]), sys.argv[2]
        def listed(local, remote):
            for line in open("/proc/net/tcp").readlines()[1:]:
                fields = line.split()
                if (int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)) == (local, remote):
                    return True
            return False
        def until(condition):
            deadline = time.monotonic() + 10
            while not condition():
                if time.monotonic() > deadline: raise SystemExit("timed out")
                time.sleep(0.01)
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(16)
        print("listening", flush=True)
        while not os.path.exists(go):
            probe = socket.create_connection(("127.0.0.1", port))
            accepted, _ = server.accept()
            probe.close()
            accepted.close()
            time.sleep(0.2)
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = server.accept()
        cport = client.getsockname()[1]
        print(cport, flush=True)
        client.sendall(b"hello")
        assert conn.recv(5) == b"hello"
        client.close()                # FIN: an orphaned FIN_WAIT2 once the server ACKs it
        assert conn.recv(1) == b""    # the server reads EOF and sits in CLOSE_WAIT
        time.sleep(3)                 # the CLOSE_WAIT the test measures; tcp_fin_timeout=1 ends FIN_WAIT2
        conn.close()                  # the late FIN meets RST
        until(lambda: not listed(port, cport))  # the RST has ended the server's LAST_ACK
        print("done", flush=True)
        """
}
