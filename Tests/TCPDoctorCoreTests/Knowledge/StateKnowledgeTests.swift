import Testing

@testable import TCPDoctorCore

struct StateKnowledgeTests {
    @Test func everyDisplayedStateIsExplainedOnce() {
        #expect(StateKnowledge.all.map(\.state) == TCPState.displayed)
        for knowledge in StateKnowledge.all {
            #expect(!knowledge.summary.isEmpty && !knowledge.howEntered.isEmpty && !knowledge.howLeft.isEmpty)
            #expect(!knowledge.pileMeans.isEmpty && !knowledge.whatToDo.isEmpty)
        }
        #expect(StateKnowledge.of(.newSynReceived).state == .synReceived)
    }

    @Test func theLinuxFactsAreStatedRight() {
        let timeWait = StateKnowledge.of(.timeWait)
        #expect(timeWait.howLeft.contains("60 s"))
        #expect(timeWait.howLeft.contains("tcp_fin_timeout does not change it"))
        #expect(timeWait.whatToDo.contains { $0.contains("tcp_tw_recycle") && $0.contains("4.12") })
        let closeWait = StateKnowledge.of(.closeWait)
        #expect(closeWait.pileMeans.contains("Recv-Q"))
        #expect(closeWait.howLeft.contains("does not free the file descriptor"))
        #expect(StateKnowledge.of(.finWait2).howLeft.contains("tcp_fin_timeout"))
    }
}
