// The `filter` fuzz target: SocketFilter's parser (the ss-like filter language).

import TCPDoctorCore

/// Parses the input as filter text. Beyond not crashing: an error points inside the text at the
/// token it names; a parsed filter, rendered back as text (FilterRendering) and parsed again,
/// keeps the same sockets on a sample built from its own addresses and ports, with the same
/// `possibleStates`, which must hold every state a kept socket is in (it is pushed into the
/// kernel's state filter), and the same `isStatesOnly`, which must mean the states decide.
enum FilterTarget {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        let filter: SocketFilter
        do {
            filter = try SocketFilter(parsing: text)
        } catch {
            checkError(error, text)
            return
        }
        let rendered = FilterRendering.text(filter.expression)
        let again: SocketFilter
        do {
            again = try SocketFilter(parsing: rendered)
        } catch {
            // The rendering parenthesises every set of several states, which can take a filter
            // nested just within the limit past it; anything else is a finding.
            if error.message.contains("nests parentheses") { return }
            fail("\(text.debugDescription) rendered as \(rendered.debugDescription) does not parse: \(error)")
        }
        let shown = TCPStateSet(TCPState.displayed)
        if filter.possibleStates.intersection(shown) != again.possibleStates.intersection(shown)
            || filter.isStatesOnly != again.isStatesOnly
        {
            fail("\(text.debugDescription) and its rendering \(rendered.debugDescription) differ in states")
        }
        for socket in FilterRendering.sample(for: filter.expression) {
            let kept = filter.matches(socket)
            if kept != again.matches(socket) {
                fail("\(text.debugDescription) and \(rendered.debugDescription) judge \(socket) differently")
            }
            if kept && !filter.possibleStates.contains(socket.state) {
                fail("\(text.debugDescription) keeps a \(socket.state) socket outside its possibleStates")
            }
            if filter.isStatesOnly && kept != filter.possibleStates.contains(socket.state) {
                fail("\(text.debugDescription) is states-only, yet the state filter alone judges \(socket) otherwise")
            }
        }
    }

    static func checkError(_ error: FilterError, _ text: String) {
        let characters = Array(text)
        guard (0...characters.count).contains(error.offset) else {
            fail("error offset \(error.offset) outside \(text.debugDescription): \(error)")
        }
        if let token = error.token, !characters[error.offset...].starts(with: Array(token)) {
            fail(
                "error names \(token.debugDescription), not what is at offset \(error.offset) of \(text.debugDescription)"
            )
        }
    }

    static let seeds = [
        "state close-wait", "state CLOSE_WAIT", "state established state close-wait", "exclude listening",
        "state connected sport = :8000", "dport == 443", "dport eq :https", "sport=:8000",
        "sport >= :8000 and sport <= 8080", "dst 10.0.0.0/24", "dst 10.0.0.9:51000", "src [::1]:5432",
        "dst ::/0", "dst :443", "dst *:80", "src ::ffff:127.0.0.1", "! sport = :8000",
        "state established ( dport = :40000 or sport = :5432 )",
        "( sport = :8000 or sport = :5432 ) and not state listening", "dport = :1 || dport = :443",
        "dport = :443 or state close-wait and src 10.0.0.5", "state bucket && dst [2001:db8::]/32:443",
        "src = 10.1.2.3/8 exclude synchronized", "state big or state all",
    ]

    static func writeSeeds(into directory: String) {
        for (index, seed) in seeds.enumerated() { writeSeed("seed-\(index)", Array(seed.utf8), into: directory) }
    }
}
