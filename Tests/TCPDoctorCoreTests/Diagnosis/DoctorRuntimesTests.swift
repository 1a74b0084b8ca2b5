import Testing

@testable import TCPDoctorCore

@Suite struct DoctorRuntimesTests {
    /// The sick host as read: the same processes with no runtime looked for yet.
    static func asRead(_ input: DiagnosisInput) -> DiagnosisInput {
        var copy = input
        for pid in copy.snapshot.processes.keys { copy.snapshot.processes[pid]?.runtime = nil }
        return copy
    }

    @Test func runtimesAreLookedForOnlyForTheProcessesTheFindingsName() {
        let known = DoctorTests.sickHost().input()
        let runtimes = known.snapshot.processes.compactMapValues(\.runtime)
        var asked: [[Int32]] = []
        let result = Doctor.diagnose(Self.asRead(known)) { pids in
            asked.append(pids)
            return runtimes.filter { pids.contains($0.key) }
        }
        let named = Set(result.findings.flatMap { $0.processes.map(\.pid) })
        // One pid per question, each once, and only processes the findings name.
        #expect(asked.allSatisfy { $0.count == 1 })
        #expect(asked.flatMap { $0 }.sorted() == result.inspected)
        #expect(!result.inspected.isEmpty && Set(result.inspected).isSubset(of: named))
        #expect(!Set(known.snapshot.processes.keys).isSubset(of: named))
        #expect(!result.inspected.contains(1))
    }

    @Test func remediesComeOutAsWhenTheRuntimesWereKnownFromTheStart() {
        let known = DoctorTests.sickHost().input()
        let runtimes = known.snapshot.processes.compactMapValues(\.runtime)
        let result = Doctor.diagnose(Self.asRead(known)) { pids in runtimes.filter { pids.contains($0.key) } }
        let expected = Doctor.diagnose(known)
        #expect(result.findings.map(\.remedies) == expected.map(\.remedies))
        #expect(result.findings.map(\.summary) == expected.map(\.summary))
        #expect(result.findings.map(\.evidence) == expected.map(\.evidence))
    }

    @Test func theInputIsNotChanged() {
        let input = Self.asRead(DoctorTests.sickHost().input())
        _ = Doctor.diagnose(input) { pids in
            Dictionary(uniqueKeysWithValues: pids.map { ($0, RuntimeIdentity(runtime: .jvm, evidence: "test")) })
        }
        #expect(input.snapshot.processes.values.allSatisfy { $0.runtime == nil })
    }
}
