import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// A corpus of Zeek-style traces built from Zeek's documented rules, each with the conn.log
/// columns Zeek would write for it: who is `id.orig_h`, `conn_state` and `history`.
///
/// The expectations are derived by hand from Zeek's sources and documentation
/// (`base/protocols/conn/main.zeek`: the states and letters; `TCPAnalyzer::WantConnection`: the
/// flip; the TCP endpoint state machine; the packet analyzers for the encapsulations), not from
/// Zeek's output: Zeek is not packaged for Debian 12. docs/zeek.md lists the rule of each case.
enum ZeekCorpus {
    /// How a trace's packets reach the wire: a link type and what wraps each IP packet.
    struct Carrier: Sendable {
        var name: String
        var linkType: LinkType
        var wrap: @Sendable ([UInt8]) -> [UInt8]

        static let ethernet = Carrier(name: "ethernet", linkType: .ethernet) { E.ethernet(0x0800, $0) }
    }

    typealias E = Encapsulation
    typealias Steps = @Sendable (inout Conversation) -> Void

    struct Trace: Sendable, CustomTestStringConvertible {
        var name: String
        var carrier: Carrier = .ethernet
        var serverPort: UInt16 = 80
        /// Zeek's originator is the client (else the server).
        var clientOriginates = true
        var state: ZeekConnState
        var history: String
        var steps: Steps
        var testDescription: String { "\(name) (\(carrier.name))" }
    }

    /// SYN, SYN+ACK, ACK; a request and an answer; FIN, FIN, ACK.
    static let whole: Steps = { c in
        c.handshake()
        c.send(.client, [.ack, .psh], at: 0.01, payload: 100)
        c.send(.server, .ack, at: 0.011)
        c.send(.server, [.ack, .psh], at: 0.012, payload: 300)
        c.send(.client, .ack, at: 0.013)
        c.send(.client, [.fin, .ack], at: 0.02)
        c.send(.server, [.fin, .ack], at: 0.021)
        c.send(.client, .ack, at: 0.022)
    }

    static let established: Steps = { c in
        c.handshake()
        c.send(.client, [.ack, .psh], at: 0.01, payload: 100)
        c.send(.server, [.ack, .psh], at: 0.011, payload: 300)
    }

    /// A whole connection with 100 bytes of the originator's stream never captured.
    static let gap: Steps = { c in
        c.handshake()
        c.send(.client, [.ack, .psh], at: 0.01, payload: 100)
        c.send(.server, .ack, at: 0.011)
        // 100 bytes (1101-1200) never captured.
        c.send(.client, [.ack, .psh], at: 0.02, payload: 100, sequence: 1201)
        c.send(.server, .ack, at: 0.021, ack: 1301)
        c.send(.server, [.ack, .psh], at: 0.03, payload: 300)
        c.send(.client, [.fin, .ack], at: 0.04, sequence: 1301)
        c.send(.server, [.fin, .ack], at: 0.041, ack: 1302)
        c.send(.client, .ack, at: 0.042, sequence: 1302)
    }

    static let rules: [Trace] = [
        Trace(name: "S0: a SYN, no reply", state: .S0, history: "S") { c in c.send(.client, .syn, at: 0) },
        Trace(name: "S0: the SYN sent three times", state: .S0, history: "S") { c in
            c.send(.client, .syn, at: 0)
            c.send(.client, .syn, at: 1, sequence: 1000)
            c.send(.client, .syn, at: 3, sequence: 1000)
        },
        Trace(name: "REJ: SYN answered by RST", state: .REJ, history: "Sr") { c in
            c.send(.client, .syn, at: 0)
            c.send(.server, [.rst, .ack], at: 0.001, sequence: 0)
        },
        Trace(name: "S1: established, not closed", state: .S1, history: "ShADd", steps: established),
        Trace(name: "S1: handshake only", state: .S1, history: "ShA") { c in c.handshake() },
        Trace(name: "SF: orderly close", state: .SF, history: "ShADadFf", steps: whole),
        Trace(name: "SF: the responder closes first", state: .SF, history: "ShADdfFa") { c in
            established(&c)
            c.send(.server, [.fin, .ack], at: 0.02)
            c.send(.client, [.fin, .ack], at: 0.021)
            c.send(.server, .ack, at: 0.022)
        },
        Trace(name: "SF: a RST after both FINs", state: .SF, history: "ShADadFfR") { c in
            whole(&c)
            c.send(.client, .rst, at: 0.03)
        },
        Trace(name: "SF: simultaneous close", state: .SF, history: "ShADdFfa") { c in
            established(&c)
            c.send(.client, [.fin, .ack], at: 0.02)
            c.send(.server, [.fin, .ack], at: 0.0201, ack: 1101)
            c.send(.client, .ack, at: 0.021)
            c.send(.server, .ack, at: 0.0211)
        },
        Trace(name: "RSTO: the originator aborts", state: .RSTO, history: "ShADdR") { c in
            established(&c)
            c.send(.client, [.rst, .ack], at: 0.02)
        },
        Trace(name: "RSTR: the responder aborts", state: .RSTR, history: "ShADdr") { c in
            established(&c)
            c.send(.server, [.rst, .ack], at: 0.02)
        },
        Trace(name: "RSTR: a RST after the originator's FIN", state: .RSTR, history: "ShADdFr") { c in
            established(&c)
            c.send(.client, [.fin, .ack], at: 0.02)
            c.send(.server, .rst, at: 0.021)
        },
        Trace(name: "S2: only the originator's FIN", state: .S2, history: "ShADdF") { c in
            established(&c)
            c.send(.client, [.fin, .ack], at: 0.02)
        },
        Trace(name: "S3: only the responder's FIN", state: .S3, history: "ShADdf") { c in
            established(&c)
            c.send(.server, [.fin, .ack], at: 0.02)
        },
        Trace(name: "SH: SYN, then FIN", state: .SH, history: "SF") { c in
            c.send(.client, .syn, at: 0)
            c.send(.client, .fin, at: 0.5)
        },
        Trace(name: "SHR: SYN+ACK, then FIN (flipped)", state: .SHR, history: "^hf") { c in
            c.send(.server, [.syn, .ack], at: 0, ack: 1001)
            c.send(.server, [.fin, .ack], at: 0.5, ack: 1001)
        },
        Trace(name: "RSTOS0: SYN, then the originator's RST", state: .RSTOS0, history: "SR") { c in
            c.send(.client, .syn, at: 0)
            c.send(.client, .rst, at: 0.5)
        },
        Trace(name: "RSTRH: SYN+ACK, then RST (flipped)", state: .RSTRH, history: "^hr") { c in
            c.send(.server, [.syn, .ack], at: 0, ack: 1001)
            c.send(.server, .rst, at: 0.5)
        },
        Trace(name: "OTH: a lone RST", state: .OTH, history: "R") { c in c.send(.client, .rst, at: 0) },
        Trace(name: "OTH: mid-stream, the client first", state: .OTH, history: "DadA") { c in
            c.send(.client, [.ack, .psh], at: 0, payload: 100)
            c.send(.server, .ack, at: 0.001)
            c.send(.server, [.ack, .psh], at: 0.002, payload: 50)
            c.send(.client, .ack, at: 0.003)
        },
        Trace(name: "OTH: mid-stream, the server first (flipped)", state: .OTH, history: "^dA") { c in
            c.send(.server, [.ack, .psh], at: 0, payload: 100)
            c.send(.client, .ack, at: 0.001)
        },
        Trace(name: "SF: mid-stream close, the server first (flipped)", state: .SF, history: "^dAFf") { c in
            c.send(.server, [.ack, .psh], at: 0, payload: 100)
            c.send(.client, .ack, at: 0.001)
            c.send(.client, [.fin, .ack], at: 0.002)
            c.send(.server, [.fin, .ack], at: 0.003)
            c.send(.client, .ack, at: 0.004)
        },
        Trace(
            name: "SYN+ACK first from a port no analyzer claims: not flipped",
            serverPort: 9999,
            clientOriginates: false,
            state: .OTH,
            history: "Ha"
        ) { c in
            c.send(.server, [.syn, .ack], at: 0, ack: 1001)
            c.send(.client, .ack, at: 0.001, sequence: 1001)
        },
        Trace(
            name: "both ports claimed, mid-stream: the lower one is the server",
            serverPort: 443,
            state: .OTH,
            history: "^dA"
        ) { c in
            c.client.port = 8080
            c.send(.server, [.ack, .psh], at: 0, payload: 10)
            c.send(.client, .ack, at: 0.001)
        },
        Trace(name: "retransmitted payload: t", state: .SF, history: "ShADaTdFf") { c in
            c.handshake()
            c.send(.client, [.ack, .psh], at: 0.01, payload: 100)
            c.send(.server, .ack, at: 0.011, ack: 1001)
            c.send(.client, [.ack, .psh], at: 0.2, payload: 100, sequence: 1001)
            c.send(.server, [.ack, .psh], at: 0.21, payload: 300)
            c.send(.client, [.fin, .ack], at: 0.3)
            c.send(.server, [.fin, .ack], at: 0.31)
            c.send(.client, .ack, at: 0.32)
        },
        Trace(name: "ten retransmissions: t at the 1st and 10th", state: .S1, history: "ShADTTa") { c in
            c.handshake()
            c.send(.client, [.ack, .psh], at: 0.01, payload: 100)
            for index in 0..<10 {
                c.send(.client, [.ack, .psh], at: 0.2 + Double(index) * 0.2, payload: 100, sequence: 1001)
            }
            c.send(.server, .ack, at: 3)
        },
        Trace(name: "zero window from the responder: w", state: .SF, history: "ShADawdFf") { c in
            c.handshake()
            c.send(.client, [.ack, .psh], at: 0.01, payload: 100)
            c.send(.server, .ack, at: 0.011, window: 0)
            c.send(.server, [.ack, .psh], at: 0.5, payload: 300)
            c.send(.client, .ack, at: 0.51)
            c.send(.client, [.fin, .ack], at: 0.6)
            c.send(.server, [.fin, .ack], at: 0.61)
            c.send(.client, .ack, at: 0.62)
        },
        Trace(name: "content gap in the originator's stream: G", state: .SF, history: "ShADaGdFf", steps: gap),
        Trace(name: "acknowledged but never captured: g in the responder's stream", state: .S1, history: "ShADg") { c in
            c.handshake()
            c.send(.client, [.ack, .psh], at: 0.01, payload: 100)
            c.send(.client, .ack, at: 0.02, ack: 5501)
        },
        Trace(name: "FIN+RST and SYN+FIN: i and q", state: .RSTO, history: "ShAIq") { c in
            c.handshake()
            c.send(.client, [.fin, .rst], at: 0.01)
            c.send(.server, [.syn, .ack, .fin], at: 0.02)
        },
        Trace(name: "payload with the FIN: f only", state: .SF, history: "ShADfFa") { c in
            c.handshake()
            c.send(.client, [.ack, .psh], at: 0.01, payload: 10)
            c.send(.server, [.fin, .ack, .psh], at: 0.02, payload: 20)
            c.send(.client, [.fin, .ack], at: 0.03)
            c.send(.server, .ack, at: 0.031)
        },
        Trace(name: "half-duplex tap: only the client's packets", state: .SH, history: "SADF") { c in
            c.send(.client, .syn, at: 0)
            c.send(.client, .ack, at: 0.002, sequence: 1001, ack: 5001)
            c.send(.client, [.ack, .psh], at: 0.01, sequence: 1001, ack: 5001)
            c.send(.client, [.ack, .psh], at: 0.01, payload: 100, sequence: 1001, ack: 5001)
            c.send(.client, [.fin, .ack], at: 0.02, sequence: 1101, ack: 5301)
        },
        Trace(name: "half-duplex tap: only the server's packets (flipped)", state: .SHR, history: "^hdf") { c in
            c.send(.server, [.syn, .ack], at: 0.001, ack: 1001)
            c.send(.server, [.ack, .psh], at: 0.012, payload: 300, ack: 1101)
            c.send(.server, [.fin, .ack], at: 0.021, ack: 1102)
        },
    ]

    /// The encapsulations Zeek opens, each carrying one whole connection (SF, `ShADadFf`).
    static let carriers: [Carrier] = [
        Carrier(name: "802.1Q VLAN", linkType: .ethernet) { E.ethernet(0x8100, [0, 10] + E.be16(0x0800) + $0) },
        Carrier(name: "802.1ad QinQ", linkType: .ethernet) { E.ethernet(0x88a8, [0, 10, 0x81, 0, 0, 20, 8, 0] + $0) },
        Carrier(name: "old QinQ 0x9100", linkType: .ethernet) {
            E.ethernet(0x9100, [0, 10, 0x81, 0, 0, 20, 8, 0] + $0)
        },
        Carrier(name: "PBB", linkType: .ethernet) {
            E.ethernet(0x88e7, [0, 0, 1, 0] + Array(repeating: 0x33, count: 12) + [8, 0] + $0)
        },
        Carrier(name: "PPPoE over VLAN", linkType: .ethernet) {
            E.ethernet(0x8100, [0, 100, 0x88, 0x64, 0x11, 0, 0, 1] + E.be16(UInt16($0.count + 2)) + [0, 0x21] + $0)
        },
        Carrier(name: "MPLS inside VLAN", linkType: .ethernet) {
            E.ethernet(0x8100, [0, 100, 0x88, 0x47, 0, 1, 1, 64] + $0)
        },
        Carrier(name: "VN-Tag", linkType: .ethernet) { E.ethernet(0x8926, [0x80, 1, 0, 2, 8, 0] + $0) },
        Carrier(name: "IP-in-IP", linkType: .ethernet) { E.ethernet(0x0800, E.ipv4(protocol: 4, $0)) },
        Carrier(name: "IPv4 in IPv6", linkType: .ethernet) { E.ethernet(0x86dd, E.ipv6(nextHeader: 4, $0)) },
        Carrier(name: "GRE", linkType: .ethernet) {
            E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x0800, $0)))
        },
        Carrier(name: "GRE in UDP", linkType: .ethernet) {
            E.ethernet(0x0800, E.ipv4(protocol: 17, E.udp(destination: 4754, E.gre(protocolType: 0x0800, $0))))
        },
        Carrier(name: "ERSPAN II", linkType: .ethernet) { E.erspanII(E.ethernet(0x0800, $0)) },
        Carrier(name: "Aruba GRE", linkType: .ethernet) {
            E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x8200, E.ieee80211(0x0800, $0))))
        },
        Carrier(name: "PPTP", linkType: .ethernet) {
            E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 47,
                    E.gre(flags: 0x2001, protocolType: 0x880b, words: [0, 100, 0, 1], [0xff, 3, 0, 0x21] + $0)
                )
            )
        },
        Carrier(name: "WCCP", linkType: .ethernet) {
            E.ethernet(0x0800, E.ipv4(protocol: 47, E.gre(protocolType: 0x883e, [0, 0, 0, 0] + $0)))
        },
        Carrier(name: "VXLAN", linkType: .ethernet) {
            E.ethernet(
                0x0800,
                E.ipv4(protocol: 17, E.udp(destination: 4789, [8, 0, 0, 0, 0, 0, 42, 0] + E.ethernet(0x0800, $0)))
            )
        },
        Carrier(name: "Geneve", linkType: .ethernet) {
            E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 17,
                    E.udp(destination: 6081, [0, 0, 0x65, 0x58, 0, 0, 42, 0] + E.ethernet(0x0800, $0))
                )
            )
        },
        Carrier(name: "GTP-U", linkType: .ethernet) {
            E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 17,
                    E.udp(destination: 2152, [0x30, 0xff] + E.be16(UInt16($0.count)) + [0, 0, 0, 9] + $0)
                )
            )
        },
        Carrier(name: "AYIYA", linkType: .ethernet) {
            E.ethernet(
                0x0800,
                E.ipv4(
                    protocol: 17,
                    E.udp(destination: 5072, [0x41, 0x52, 0x11, 4, 0, 0, 0, 1] + Array(repeating: 3, count: 36) + $0)
                )
            )
        },
        Carrier(name: "PPP", linkType: .ppp) { [0xff, 0x03, 0x00, 0x21] + $0 },
        Carrier(name: "PPP serial", linkType: .pppHDLC) { [0xff, 0x03, 0x00, 0x21] + $0 },
        Carrier(name: "IPoIB", linkType: .ipOverInfiniBand) { Array(repeating: 0xfe, count: 40) + [8, 0, 0, 0] + $0 },
        Carrier(name: "Juniper Ethernet", linkType: .juniperEthernet) {
            [0x4d, 0x47, 0x43, 0x01] + E.ethernet(0x0800, $0)
        },
        Carrier(name: "ARCNET", linkType: .arcnetBSD) { [1, 2, 0xd4, 0, 0, 1] + $0 },
        Carrier(name: "ARCNET Linux", linkType: .arcnetLinux) { [1, 2, 0, 0, 0xd4, 0, 0, 1] + $0 },
        Carrier(name: "802.11", linkType: .ieee80211) { E.ieee80211(0x0800, $0) },
        Carrier(name: "radiotap", linkType: .ieee80211Radiotap) {
            [0, 0, 8, 0, 0, 0, 0, 0] + E.ieee80211(0x0800, $0, qos: true)
        },
    ]

    /// Every trace: the rules over Ethernet, then one whole connection in every carrier.
    static let traces: [Trace] =
        rules
        + carriers.map { Trace(name: "SF inside", carrier: $0, state: .SF, history: "ShADadFf", steps: whole) }
        + carriers.map { Trace(name: "a gap inside", carrier: $0, state: .SF, history: "ShADaGdFf", steps: gap) }
}
