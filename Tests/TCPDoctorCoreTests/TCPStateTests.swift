import Testing

@testable import TCPDoctorCore

struct TCPStateTests {
    @Test func rawValuesMatchKernel() {
        #expect(TCPState.established.rawValue == 1)
        #expect(TCPState.closeWait.rawValue == 8)
        #expect(TCPState.listen.rawValue == 10)
        #expect(TCPState.newSynReceived.rawValue == 12)
    }

    @Test(arguments: TCPState.displayed)
    func namesRoundTrip(state: TCPState) {
        #expect(TCPState(name: state.ssName) == state)
        #expect(TCPState(name: state.netstatName) == state)
    }

    @Test func stateSetMatchesKernelBits() {
        let set = TCPStateSet([.closeWait, .timeWait])
        #expect(set.rawValue == (1 << 8 | 1 << 6))
        #expect(set.contains(.closeWait))
        #expect(!set.contains(.established))
        #expect(set.states == [.timeWait, .closeWait])
    }
}
