import Testing

@testable import TCPDoctorCore

struct RemedyCatalogTests {
    static func process(
        _ runtime: Runtime?,
        server: String? = nil,
        pid: Int32 = 10,
        command: String = "app"
    ) -> TCPProcess {
        TCPProcess(
            pid: pid,
            command: command,
            runtime: runtime.map { RuntimeIdentity(runtime: $0, server: server, evidence: "test") }
        )
    }

    @Test func everyTopicHasGenericAdvice() {
        for topic in RemedyTopic.allCases {
            #expect(RemedyCatalog.entries[topic]?.generic.isEmpty == false, "\(topic)")
        }
    }

    /// The topics where the fix is code, so every runtime must have its own words.
    static let codeTopics: [RemedyTopic] = [
        .closeWait, .deadSocketFDs, .connectionReuse, .sharedSocket, .connectTimeout, .acceptQueue,
    ]

    @Test(arguments: Runtime.allCases)
    func everyRuntimeHasItsOwnWordsForCodeFixes(runtime: Runtime) {
        for topic in Self.codeTopics {
            let lines = RemedyCatalog.remedies(for: topic, processes: [Self.process(runtime)])
            #expect(lines.first?.hasPrefix(runtime.displayName + ": ") == true, "\(topic) for \(runtime)")
            #expect(!lines.contains { $0.contains("not recognised") })
        }
    }

    @Test(arguments: [
        (Runtime.jvm, "try-with-resources"), (.jvm, "evictIdleConnections"), (.cpython, "`with` blocks"),
        (.cpython, "response.close()"), (.cpython, "requests.Session"), (.go, "defer resp.Body.Close()"),
        (.go, "io.Copy(io.Discard, resp.Body)"), (.node, "socket.destroy()"), (.node, "keepAlive: true"),
        (.dotnet, "HttpResponseMessage"), (.dotnet, "reuse one HttpClient"), (.ruby, "ensure"),
        (.ruby, "Net::HTTP.start"), (.native, "read() or recv() returns 0"), (.native, "EAGAIN"),
    ])
    func closeWaitAdviceSpeaksTheRuntimesLanguage(runtime: Runtime, phrase: String) {
        let lines = RemedyCatalog.remedies(for: .closeWait, processes: [Self.process(runtime)])
        #expect(lines.contains { $0.contains(phrase) }, "\(runtime) lacks \(phrase)")
    }

    @Test func genericAdviceSaysTheRuntimeWasNotRecognised() {
        let lines = RemedyCatalog.remedies(for: .closeWait, processes: [Self.process(nil, pid: 42, command: "blob")])
        #expect(
            lines == (RemedyCatalog.entries[.closeWait]?.generic ?? []) + [
                "The runtime of blob (pid 42) was not recognised, so this advice is generic."
            ]
        )
    }

    @Test func unknownOwnersGetGenericAdviceAndSayWhy() {
        let lines = RemedyCatalog.remedies(for: .connectTimeout, processes: [])
        #expect(lines.last == "The owning process is unknown, so this advice is generic.")
        let custom = RemedyCatalog.remedies(for: .connectTimeout, processes: [], unknownOwner: "No owner here.")
        #expect(custom.last == "No owner here.")
    }

    @Test func aNativeServerGetsItsConfigurationNotCAdvice() {
        let lines = RemedyCatalog.remedies(for: .closeWait, processes: [Self.process(.native, server: "haproxy")])
        #expect(lines.first?.hasPrefix("haproxy: set `timeout client-fin` and `timeout server-fin`") == true)
        #expect(!lines.contains { $0.hasPrefix("native code:") })
    }

    @Test func aServerOnAManagedRuntimeGetsBoth() {
        let lines = RemedyCatalog.remedies(for: .closeWait, processes: [Self.process(.jvm, server: "tomcat")])
        #expect(lines.first?.hasPrefix("tomcat: ") == true)
        #expect(lines.contains { $0.hasPrefix("Java (JVM): ") })
    }

    @Test func aServerWithoutAnEntryFallsBackToItsRuntime() {
        let lines = RemedyCatalog.remedies(for: .deadSocketFDs, processes: [Self.process(.native, server: "nginx")])
        #expect(lines.first?.hasPrefix("native code: call close()") == true)
    }

    @Test func severalRuntimesEachOnceInOrder() {
        let processes = [Self.process(.go, pid: 1), Self.process(.cpython, pid: 2), Self.process(.go, pid: 3)]
        let lines = RemedyCatalog.remedies(for: .connectTimeout, processes: processes)
        let prefixes = lines.compactMap { line in Runtime.allCases.first { line.hasPrefix($0.displayName + ": ") } }
        #expect(prefixes == [.go, .cpython])
        #expect(Set(lines).count == lines.count)
    }
}
