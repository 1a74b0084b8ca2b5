import Foundation
import Testing

struct ExplainCommandTests {
    @Test func explainsOneState() throws {
        let run = try runTCPDoctor(["explain", "CLOSE_WAIT"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("CLOSE_WAIT (RFC 9293 CLOSE-WAIT, kernel TCP_CLOSE_WAIT)"))
        #expect(run.stdout.contains("CLOSE_WAIT --close / snd FIN--> LAST_ACK"))
        #expect(run.stdout.contains("Recv-Q"))
    }

    @Test func drawsTheWholeMachineFromTheModel() throws {
        let run = try runTCPDoctor(["explain"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Passive close: the peer sends FIN first"))
        #expect(run.stdout.contains("FIN_WAIT1 --rcv FIN / snd ACK--> CLOSING"))
        let dot = try runTCPDoctor(["explain", "--format", "dot"])
        #expect(dot.stdout.hasPrefix("digraph tcp {"))
        #expect(dot.stdout.contains("CLOSE_WAIT -> LAST_ACK"))
    }

    @Test func jsonCarriesKnowledgeAndTransitions() throws {
        let run = try runTCPDoctor(["explain", "--json", "time-wait"])
        let document = try run.json()
        let states = try #require(document["states"] as? [[String: Any]])
        #expect(states.count == 1)
        #expect(states.first?["state"] as? String == "TIME_WAIT")
        let transitions = try #require(document["transitions"] as? [[String: Any]])
        #expect(transitions.contains { $0["from"] as? String == "TIME_WAIT" && $0["to"] as? String == "CLOSE" })
        let all = try runTCPDoctor(["explain", "--json"]).json()
        #expect((all["states"] as? [Any])?.count == 11)
    }

    @Test func rejectsAnUnknownState() throws {
        let run = try runTCPDoctor(["explain", "half-open"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("unknown state 'half-open'"))
    }
}
