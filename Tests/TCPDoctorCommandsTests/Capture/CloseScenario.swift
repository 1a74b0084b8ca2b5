import TCPDoctorCapture
import TCPDoctorCore
import Testing

/// One close pattern, the capture format it is written in, and what `tcpdoctor capture --json`
/// must say about it.
struct CloseScenario: Sendable, CustomTestStringConvertible {
    struct CloseWait: Sendable {
        var side: String
        var seconds: Double
        var openAtEnd: Bool
    }

    var name: String
    var format: CaptureFormat = .pcap
    var linkType: LinkType = .ethernet
    var ipv6 = false
    var ended: String
    var activeCloser: String?
    var closeWait: CloseWait?
    var connState: String
    var build: @Sendable (inout ScenarioCapture) -> Void

    var testDescription: String { name }

    var clientAddress: String { ipv6 ? "2001:db8::5" : "10.0.0.5" }
    var serverAddress: String { ipv6 ? "2001:db8::9" : "10.0.0.9" }

    /// The scenario's segments, between endpoints of its own (`number` keeps several apart).
    func segments(number: UInt16 = 0) -> [TCPSegment] {
        var capture = ScenarioCapture(
            client: ipv6 ? .test("2001:db8::5", 40_000 + number) : .test("10.0.0.5", 40_000 + number),
            server: ipv6 ? .test("2001:db8::9", 8080) : .test("10.0.0.9", 8080)
        )
        build(&capture)
        return capture.segments
    }

    static let finACK: TCPFlags = [.fin, .ack]

    static let all: [CloseScenario] = [
        CloseScenario(
            name: "client closes first",
            ended: "fin",
            activeCloser: "originator",
            closeWait: CloseWait(side: "responder", seconds: 0.499, openAtEnd: false),
            connState: "SF"
        ) { c in
            c.handshake(at: 0)
            c.exchange(at: 0.01)
            c.send(.client, finACK, at: 1.0)
            c.send(.server, .ack, at: 1.001)
            c.send(.server, finACK, at: 1.5)
            c.send(.client, .ack, at: 1.501)
        },
        CloseScenario(
            name: "server closes first (pcapng, LINUX_SLL2, IPv6)",
            format: .pcapng,
            linkType: .linuxSLL2,
            ipv6: true,
            ended: "fin",
            activeCloser: "responder",
            closeWait: CloseWait(side: "originator", seconds: 0.199, openAtEnd: false),
            connState: "SF"
        ) { c in
            c.handshake(at: 0)
            c.exchange(at: 0.01)
            c.send(.server, finACK, at: 1.0)
            c.send(.client, .ack, at: 1.001)
            c.send(.client, finACK, at: 1.2)
            c.send(.server, .ack, at: 1.201)
        },
        CloseScenario(
            name: "simultaneous close (LINUX_SLL)",
            linkType: .linuxSLL,
            ended: "fin",
            activeCloser: "both",
            closeWait: nil,
            connState: "SF"
        ) { c in
            c.handshake(at: 0)
            c.send(.client, finACK, at: 1.0)
            // The server's FIN crosses the client's: it does not acknowledge it.
            c.send(.server, finACK, at: 1.0001, ack: c.clientFINSequence)
            c.send(.client, .ack, at: 1.0002)
            c.send(.server, .ack, at: 1.0003)
        },
        CloseScenario(
            name: "CLOSE_WAIT for 70 s, then the late FIN meets RST",
            ended: "late_fin_reset",
            activeCloser: "responder",
            closeWait: CloseWait(side: "originator", seconds: 69.999, openAtEnd: false),
            connState: "SF"
        ) { c in
            c.handshake(at: 0)
            c.send(.server, finACK, at: 1.0)
            c.send(.client, .ack, at: 1.001)
            c.send(.client, finACK, at: 71.0)
            c.send(.server, .rst, at: 71.0002)
        },
        CloseScenario(
            name: "still in CLOSE_WAIT when the capture ends (pcapng)",
            format: .pcapng,
            ended: "close_wait",
            activeCloser: "originator",
            closeWait: CloseWait(side: "responder", seconds: 28.999, openAtEnd: true),
            connState: "S2"
        ) { c in
            c.handshake(at: 0)
            c.exchange(at: 0.01)
            c.send(.client, finACK, at: 1.0)
            c.send(.server, .ack, at: 1.001)
            c.send(.server, .ack, at: 30.0)
        },
        CloseScenario(name: "refused (RAW IPv4)", linkType: .raw, ended: "rejected", connState: "REJ") { c in
            c.send(.client, .syn, at: 0)
            c.send(.server, [.rst, .ack], at: 0.0001)
        },
        CloseScenario(name: "SYN never answered (NULL)", linkType: .null, ended: "no_answer", connState: "S0") { c in
            c.send(.client, .syn, at: 0)
            c.send(.client, .syn, at: 1, sequence: 1000)
            c.send(.client, .syn, at: 3, sequence: 1000)
        },
        CloseScenario(name: "aborted by the client's RST", ended: "reset", connState: "RSTO") { c in
            c.handshake(at: 0)
            c.exchange(at: 0.01)
            c.send(.client, [.rst, .ack], at: 1.0)
        },
        CloseScenario(
            name: "RST after both FINs",
            ended: "fin_reset",
            activeCloser: "originator",
            closeWait: CloseWait(side: "responder", seconds: 0.001, openAtEnd: false),
            connState: "SF"
        ) { c in
            c.handshake(at: 0)
            c.send(.client, finACK, at: 1.0)
            c.send(.server, finACK, at: 1.001)
            c.send(.client, .rst, at: 1.002)
        },
        CloseScenario(
            name: "half-close: the server sends after the client's FIN",
            ended: "fin",
            activeCloser: "originator",
            closeWait: CloseWait(side: "responder", seconds: 0.999, openAtEnd: false),
            connState: "SF"
        ) { c in
            c.handshake(at: 0)
            c.send(.client, [.psh, .ack], at: 0.01, payload: 50)
            c.send(.client, finACK, at: 0.02)
            c.send(.server, .ack, at: 1.001)
            c.send(.server, [.psh, .ack], at: 1.5, payload: 1000)
            c.send(.client, .ack, at: 1.501)
            c.send(.server, finACK, at: 2.0)
            c.send(.client, .ack, at: 2.001)
        },
        CloseScenario(
            name: "retransmitted FIN",
            ended: "fin",
            activeCloser: "originator",
            closeWait: CloseWait(side: "responder", seconds: 0.099, openAtEnd: false),
            connState: "SF"
        ) { c in
            c.handshake(at: 0)
            c.send(.client, finACK, at: 1.0)
            c.send(.client, finACK, at: 1.2, sequence: c.clientFINSequence)
            c.send(.server, .ack, at: 1.201)
            c.send(.server, finACK, at: 1.3)
            c.send(.client, .ack, at: 1.301)
        },
        CloseScenario(name: "begun before the capture", ended: "open", connState: "OTH") { c in
            c.send(.client, [.psh, .ack], at: 0, payload: 10)
            c.send(.server, .ack, at: 0.001)
        },
        CloseScenario(name: "handshake not completed", ended: "handshake", connState: "S1") { c in
            c.send(.client, .syn, at: 0)
            c.send(.server, [.syn, .ack], at: 0.001)
        },
    ]
}
