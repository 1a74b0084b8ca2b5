import Testing

@testable import TCPDoctorCore

struct SocketFilterTests {
    static func socket(
        _ state: TCPState,
        local: String,
        _ localPort: UInt16,
        remote: String,
        _ remotePort: UInt16
    ) -> SocketRecord {
        SocketRecord(
            state: state,
            local: Endpoint(address: IPAddress(local)!, port: localPort),
            remote: Endpoint(address: IPAddress(remote)!, port: remotePort)
        )
    }

    static let sockets: [String: SocketRecord] = [
        "web-cw": socket(.closeWait, local: "10.0.0.5", 8000, remote: "10.0.0.9", 51000),
        "web-est": socket(.established, local: "10.0.0.5", 8000, remote: "192.168.1.7", 40000),
        "client-tw": socket(.timeWait, local: "10.0.0.5", 33000, remote: "10.0.0.1", 443),
        "v6-est": socket(.established, local: "::1", 5432, remote: "::1", 60000),
        "mapped": socket(.established, local: "::ffff:127.0.0.1", 8080, remote: "::ffff:127.0.0.1", 41000),
        "listen": socket(.listen, local: "0.0.0.0", 8000, remote: "0.0.0.0", 0),
    ]

    @Test(arguments: [
        ("state close-wait", ["web-cw"]),
        ("state CLOSE_WAIT", ["web-cw"]),
        ("state time-wait", ["client-tw"]),
        ("state established state close-wait", ["web-cw", "web-est", "v6-est", "mapped"]),
        ("exclude listening", ["web-cw", "web-est", "client-tw", "v6-est", "mapped"]),
        ("state connected sport = :8000", ["web-cw", "web-est"]),
        ("dport = :443", ["client-tw"]),
        ("dport == 443", ["client-tw"]),
        ("dport eq :https", ["client-tw"]),
        ("sport = :8000", ["web-cw", "web-est", "listen"]),
        ("sport=:8000", ["web-cw", "web-est", "listen"]),
        ("sport > :8000", ["client-tw", "mapped"]),
        ("sport >= :8000 and sport <= 8080", ["web-cw", "web-est", "mapped", "listen"]),
        ("dst 10.0.0.1", ["client-tw"]),
        ("dst 10.0.0.0/24", ["web-cw", "client-tw"]),
        ("dst 10.0.0.9:51000", ["web-cw"]),
        ("src 127.0.0.1", ["mapped"]),
        ("src ::1", ["v6-est"]),
        ("src [::1]:5432", ["v6-est"]),
        ("dst ::/0", ["v6-est", "mapped"]),
        ("dst :443", ["client-tw"]),
        ("not sport = :8000", ["client-tw", "v6-est", "mapped"]),
        ("! sport = :8000", ["client-tw", "v6-est", "mapped"]),
        ("state established ( dport = :40000 or sport = :5432 )", ["web-est", "v6-est"]),
        ("( sport = :8000 or sport = :5432 ) and not state listening", ["web-cw", "web-est", "v6-est"]),
        ("sport = :8000 dst 10.0.0.9", ["web-cw"]),
        ("dport = :1 || dport = :443", ["client-tw"]),
        ("dport = :443 or state close-wait and src 10.0.0.5", ["web-cw", "client-tw"]),
        ("", ["web-cw", "web-est", "client-tw", "v6-est", "mapped", "listen"]),
    ])
    func matchesTheRightSockets(filter: String, expected: [String]) throws {
        let parsed = try SocketFilter(parsing: filter)
        let matched = Self.sockets.filter { parsed.matches($0.value) }.map(\.key).sorted()
        #expect(matched == expected.sorted(), "filter: \(filter)")
    }

    @Test(arguments: [
        ("state close-wait", TCPStateSet(.closeWait)),
        ("state established dport = :443", TCPStateSet(.established)),
        ("state established or state time-wait", TCPStateSet([.established, .timeWait])),
        ("dport = :443", TCPStateSet.all),
        ("not state listening", TCPStateSet.all),
        ("state close-wait and ( state close-wait or state listening )", TCPStateSet(.closeWait)),
    ])
    func pushesStatesDown(filter: String, states: TCPStateSet) throws {
        #expect(try SocketFilter(parsing: filter).possibleStates == states)
    }

    @Test(
        arguments: [
            ("state closewait", 6, "closewait", "unknown state"),
            ("dport = :abc", 8, ":abc", "is not a port"),
            ("dport = :70000", 8, ":70000", "is not a port"),
            ("sport = :80 and", 15, nil, "ends too early"),
            ("( sport = :80", 13, nil, "missing ')'"),
            ("sport = :80 )", 12, ")", "unexpected ')'"),
            ("frobnicate 3", 0, "frobnicate", "unknown filter term"),
            ("dst example.com", 4, "example.com", "not an address"),
            ("dst 10.0.0.0/33", 4, "10.0.0.0/33", "not an address"),
            ("state", 5, nil, "expected a state name"),
        ] as [(String, Int, String?, String)]
    )
    func pointsAtTheBadToken(filter: String, offset: Int, token: String?, message: String) {
        #expect {
            try SocketFilter(parsing: filter)
        } throws: { error in
            guard let error = error as? FilterError else { return false }
            return error.offset == offset && error.token == token && error.message.contains(message)
        }
    }

    @Test func errorDescriptionPutsACaretUnderTheToken() {
        do {
            _ = try SocketFilter(parsing: "dport = :abc")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasSuffix("  dport = :abc\n          ^^^^"))
        }
    }
}
