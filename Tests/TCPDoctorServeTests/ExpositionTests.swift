import Testing

@testable import TCPDoctorServe

/// The two text formats: what `Accept` chooses, escaping, counter metadata and `# EOF`.
struct ExpositionTests {
    @Test(
        arguments: [
            (nil, ExpositionFormat.prometheusText),
            ("text/plain", .prometheusText),
            ("*/*", .prometheusText),
            ("application/openmetrics-text", .openMetrics),
            (
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                    + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", .openMetrics
            ),
            ("text/plain;version=0.0.4;q=0.9, application/openmetrics-text;q=0.5", .prometheusText),
            ("application/openmetrics-text;q=0", .prometheusText),
            ("application/json", .prometheusText),
        ] as [(String?, ExpositionFormat)]
    )
    func acceptChoosesTheFormat(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    static let families = [
        MetricFamily(
            MetricDefinition("t_events", .counter, "Events, \"quoted\" and back\\slashed\nsplit."),
            samples: [MetricSample([], 3)]
        ),
        MetricFamily(
            MetricDefinition("t_level", .gauge, "A level.", labels: ["process"]),
            samples: [MetricSample(["a\"b\\c\nd"], 0.25), MetricSample(["plain"], 1e20)]
        ),
        MetricFamily(MetricDefinition("t_empty", .gauge, "Never written: no samples.")),
    ]

    @Test func textFormatNamesCountersWithTotalEverywhere() throws {
        let text = ExpositionWriter.write(Self.families, format: .prometheusText)
        #expect(text.contains("# TYPE t_events_total counter\n"))
        #expect(text.contains("# HELP t_events_total Events, \"quoted\" and back\\\\slashed\\nsplit.\n"))
        #expect(text.contains("t_level{process=\"a\\\"b\\\\c\\nd\"} 0.25\n"))
        #expect(!text.contains("t_empty"))
        #expect(!text.contains("# EOF"))
        let parsed = try Exposition(parsing: text, openMetrics: false)
        #expect(parsed.value("t_events_total") == 3)
        #expect(parsed.value("t_level", ["process": "a\"b\\c\nd"]) == 0.25)
        #expect(parsed.value("t_level", ["process": "plain"]) == 1e20)
    }

    @Test func openMetricsNamesCounterFamiliesWithoutTotalAndEnds() throws {
        let text = ExpositionWriter.write(Self.families, format: .openMetrics)
        #expect(text.contains("# TYPE t_events counter\n"))
        #expect(text.contains("\nt_events_total 3\n"))
        #expect(text.contains("# HELP t_events Events, \\\"quoted\\\""))
        #expect(text.hasSuffix("# EOF\n"))
        let parsed = try Exposition(parsing: text, openMetrics: true)
        #expect(parsed.types["t_events"] == "counter")
        #expect(parsed.value("t_events_total") == 3)
    }

    @Test func theParserRefusesWhatPrometheusWould() {
        #expect(throws: Exposition.ParseError.self) { try Exposition(parsing: "x 1\n", openMetrics: false) }
        #expect(throws: Exposition.ParseError.self) {
            try Exposition(parsing: "# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n", openMetrics: false)
        }
        #expect(throws: Exposition.ParseError.self) {
            try Exposition(parsing: "# TYPE x gauge\nx 1\n", openMetrics: true)
        }
        #expect(throws: Exposition.ParseError.self) {
            try Exposition(parsing: "# TYPE x counter\nx 1\n", openMetrics: false)
        }
    }

    @Test(
        arguments: [
            ("127.0.0.1:8273", "127.0.0.1", 8273),
            ("0.0.0.0:0", "0.0.0.0", 0),
            ("[::1]:9000", "::1", 9000),
            ("[::]:8273", "::", 8273),
        ] as [(String, String, UInt16)]
    )
    func listenAddressesParse(text: String, host: String, port: UInt16) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
        #expect(address.description == text)
    }

    @Test(arguments: [
        ("localhost:8273", "is not an IP address"),
        ("127.0.0.1", "expected ADDRESS:PORT"),
        ("127.0.0.1:99999", "is not a port number"),
        ("127.0.0.1:http", "is not a port number"),
        ("::1:8273", "in brackets"),
        ("[::1]8273", "in brackets"),
        ("[nonsense]:1", "is not an IP address"),
    ])
    func badListenAddressesSayWhatIsWrong(text: String, why: String) {
        #expect {
            try ListenAddress(parsing: text)
        } throws: { error in
            guard let error = error as? ServeError else { return false }
            return error.code == .badListenAddress && error.message.contains(why) && error.message.contains(text)
        }
    }
}
