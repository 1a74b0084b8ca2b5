import Testing

@testable import TCPDoctorCore

struct TCPStateMachineDotTests {
    @Test func drawsEveryStateAndStateChangingEdge() {
        let dot = TCPStateMachine.dot()
        #expect(dot.hasPrefix("digraph tcp {\n"))
        #expect(dot.hasSuffix("}\n"))
        for state in TCPStateMachine.states {
            #expect(dot.contains("    \(state.netstatName) [label="))
        }
        let edgeLines = dot.split(separator: "\n").filter { $0.contains(" -> ") }
        #expect(edgeLines.count == TCPStateMachine.transitions.filter { !$0.isSelfLoop }.count)
        #expect(dot.contains("FIN_WAIT1 -> CLOSING [label=\"rcv FIN / snd ACK\", color=\"purple\"]"))
        #expect(dot.contains("LISTEN -> SYN_SENT [label=\"send / snd SYN\", color=\"black\", style=dashed]"))
        #expect(dot.contains("TIME_WAIT -> CLOSE [label=\"TIME_WAIT timeout\", color=\"orange\", style=dotted]"))
        #expect(!dot.contains("CLOSE -> CLOSE "))
    }

    @Test func selfLoopsOnRequest() {
        let dot = TCPStateMachine.dot(includeSelfLoops: true)
        let edgeLines = dot.split(separator: "\n").filter { $0.contains(" -> ") }
        #expect(edgeLines.count == TCPStateMachine.transitions.count)
        #expect(dot.contains("CLOSE -> CLOSE [label=\"rcv FIN / snd RST\""))
    }
}
