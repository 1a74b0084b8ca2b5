import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// Zeek's columns on small packet sequences, including the expectations of Zeek's own regression
/// test for RST handling (`conn_state-RST-behavior`: `R` OTH, `SR` RSTOS0, `SaR` RSTOS0, `SaFR` OTH).
struct ZeekCompatibilityTests {
    struct Step: Sendable {
        var client: Bool
        var flags: TCPFlags
        var payload: UInt32 = 0
        var window: UInt16 = 64_000
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var steps: [Step]
        var history: String
        var state: ZeekConnState
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "lone RST", steps: [Step(client: true, flags: .rst)], history: "R", state: .OTH),
        Case(
            name: "SYN then RST",
            steps: [Step(client: true, flags: .syn), Step(client: true, flags: .rst)],
            history: "SR",
            state: .RSTOS0
        ),
        Case(
            name: "SYN, early ACK, RST",
            steps: [
                Step(client: true, flags: .syn), Step(client: false, flags: .ack), Step(client: true, flags: .rst),
            ],
            history: "SaR",
            state: .RSTOS0
        ),
        Case(
            name: "SYN, early ACK, FIN, RST",
            steps: [
                Step(client: true, flags: .syn), Step(client: false, flags: .ack),
                Step(client: true, flags: [.fin, .ack]),
                Step(client: true, flags: .rst),
            ],
            history: "SaFR",
            state: .OTH
        ),
        Case(
            name: "SYN then FIN",
            steps: [Step(client: true, flags: .syn), Step(client: true, flags: .fin)],
            history: "SF",
            state: .SH
        ),
        Case(
            name: "SYN+ACK then FIN from the responder",
            steps: [Step(client: false, flags: [.syn, .ack]), Step(client: false, flags: [.fin, .ack])],
            history: "^hf",
            state: .SHR
        ),
        Case(
            name: "SYN+ACK then RST from the responder",
            steps: [Step(client: false, flags: [.syn, .ack]), Step(client: false, flags: .rst)],
            history: "^hr",
            state: .RSTRH
        ),
        Case(
            name: "handshake only",
            steps: [Step(client: true, flags: .syn), Step(client: false, flags: [.syn, .ack])],
            history: "Sh",
            state: .S1
        ),
        Case(
            name: "FIN+RST and SYN+FIN",
            steps: [
                Step(client: true, flags: .syn), Step(client: false, flags: [.syn, .ack]),
                Step(client: true, flags: [.fin, .rst]), Step(client: false, flags: [.syn, .ack, .fin]),
            ],
            history: "ShIq",
            state: .RSTO
        ),
        Case(
            name: "the 100th zero window writes a third letter",
            steps: [Step(client: true, flags: .syn), Step(client: false, flags: [.syn, .ack])]
                + Array(repeating: Step(client: true, flags: .ack, window: 0), count: 100),
            history: "ShAWWW",
            state: .S1
        ),
        Case(
            name: "zero windows are logarithmic",
            steps: [Step(client: true, flags: .syn), Step(client: false, flags: [.syn, .ack])]
                + Array(repeating: Step(client: true, flags: .ack, window: 0), count: 10),
            history: "ShAWW",
            state: .S1
        ),
    ]

    @Test(arguments: cases)
    func historyAndState(testCase: Case) throws {
        var c = Conversation()
        var time = 0.0
        for step in testCase.steps {
            c.send(step.client ? .client : .server, step.flags, at: time, payload: step.payload, window: step.window)
            time += 0.001
        }
        let connection = try #require(c.analyze().first)
        #expect(connection.zeekHistory == testCase.history)
        #expect(connection.zeekConnState == testCase.state)
    }

    /// Retransmitted payload: `T` on the 1st and 10th retransmission, not on the 9th.
    @Test func retransmissionsAreLogarithmic() throws {
        var c = Conversation()
        c.handshake()
        c.send(.client, [.ack, .psh], at: 0.01, payload: 100)
        let start = c.ackBeforeFIN(of: .client) &- 100
        for index in 0..<10 {
            c.send(.client, [.ack, .psh], at: 0.02 + Double(index) * 0.01, payload: 100, sequence: start)
        }
        let connection = try #require(c.analyze().first)
        #expect(connection.zeekHistory == "ShADTT")
        #expect(connection.originatorStats.bytes == 100)
    }
}
