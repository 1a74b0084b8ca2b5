import Testing

@testable import TCPDoctorCore

/// What the filter fuzz target (Fuzz/Sources/FilterTarget.swift) showed: filter text that
/// overflowed the stack, and an `isStatesOnly` that promised more than `possibleStates` gives.
struct SocketFilterLimitTests {
    static func error(_ text: String) -> FilterError? {
        do {
            _ = try SocketFilter(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    /// 100 000 `(` overflowed the parser's recursion (SIGSEGV); now a bad-input error at the
    /// 101st, which names it.
    @Test(arguments: [
        (String(repeating: "( ", count: 100_000) + "state listening" + String(repeating: " )", count: 100_000), 200),
        (String(repeating: "not ", count: 100_000) + "state listening", 400),
        (String(repeating: "(", count: 100_000), 100),
    ])
    func deepNestingIsAnErrorNotACrash(text: String, offset: Int) throws {
        let error = Self.error(text)
        let message = error?.message ?? "parsed"
        #expect(message.contains("more than 100 deep"))
        #expect(error?.offset == offset)
    }

    @Test func nestingUpToTheLimitParses() throws {
        let text = String(repeating: "( not ", count: 50) + "state listening" + String(repeating: " )", count: 50)
        let filter = try SocketFilter(parsing: text)
        #expect(filter.possibleStates == .all)
    }

    /// A long `and` chain parses in a loop but is a tree as deep as it is long, which matching,
    /// hashing and freeing recurse over: bounded by a number of terms.
    @Test func tooManyTermsIsAnError() throws {
        let term = "sport = :1"
        let allowed = Array(repeating: term, count: 1000).joined(separator: " and ")
        let allowedError = Self.error(allowed)?.message
        #expect(allowedError == nil)
        let message = Self.error(allowed + " and " + term)?.message ?? "parsed"
        #expect(message.contains("more than 1000 terms"))
        let huge = Array(repeating: term, count: 200_000).joined(separator: " ")
        let hugeMessage = Self.error(huge)?.message ?? "parsed"
        #expect(hugeMessage.contains("more than 1000 terms"))
    }

    /// `isStatesOnly` says the kernel's state filter is enough; for `not` it is every state.
    @Test(arguments: [
        ("not state listening", false),
        ("state established or state time-wait", true),
        ("state connected and state listening", true),
        ("", true),
        ("not ( state listening or sport = :80 )", false),
        ("sport = :80", false),
    ])
    func statesOnlyMeansThePushedDownStatesDecide(text: String, statesOnly: Bool) throws {
        let filter = try SocketFilter(parsing: text)
        #expect(filter.isStatesOnly == statesOnly)
        guard filter.isStatesOnly else { return }
        let anywhere = Endpoint(address: IPAddress(ipv4: 0x0a00_0001), port: 80)
        for state in TCPState.displayed {
            let socket = SocketRecord(state: state, local: anywhere, remote: anywhere)
            #expect(filter.matches(socket) == filter.possibleStates.contains(state), "\(text): \(state)")
        }
    }
}
