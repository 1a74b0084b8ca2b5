import Foundation
import Glibc
import Testing

/// `doctor` with a history (issue 14, item 5): the emfile lab leaking at a known pace, recorded
/// every half second; the live finding about its server then carries its trend, its age from
/// the history and the forecast of its fds.
@Suite struct DoctorHistoryCommandTests {
    @Test func theDoctorAddsTrendAgeAndForecastFromTheHistory() throws {
        let directory = NSTemporaryDirectory() + "tcpdoctor-doctor-history-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/history.sqlite"
        let recorder = try BackgroundTCPDoctor(["record", "--db", database, "--interval", "0.5"])
        let lab = try BackgroundTCPDoctor(["lab", "run", "emfile", "--connections", "400", "--rate", "8"])
        defer {
            lab.send(SIGTERM)
            _ = try? lab.ending(within: 20)
            recorder.send(SIGTERM)
            _ = try? recorder.ending(within: 20)
        }
        // Until the server's finding has been recorded long enough for a fit, well before EMFILE.
        let end = Date().addingTimeInterval(60)
        var finding: [String: Any]?
        while Date() < end {
            let run = try runTCPDoctor(["doctor", "--json", "--db", database, "--rule", "close-wait-leak"])
            let findings = (try? run.json())?["findings"] as? [[String: Any]] ?? []
            let server = findings.first { found in
                let processes = found["processes"] as? [[String: Any]] ?? []
                return processes.contains {
                    ($0["command"] as? String) == "lab-srv-emfile"
                        && ($0["pid"] as? Int).flatMap { parent(of: Int32($0)) } == lab.pid
                }
            }
            if let history = server?["history"] as? [String: Any], (history["samples"] as? Int ?? 0) >= 8 {
                finding = server
                break
            }
            usleep(250_000)
        }
        let found = try #require(finding, "no recorded finding; record: \(recorder.stderr) lab: \(lab.stderr)")
        let history = try #require(found["history"] as? [String: Any])
        #expect(history["trend"] as? String == "growing")
        let rate = try #require(history["rate_per_minute"] as? Double)
        #expect(abs(rate - 8 * 60) <= 0.2 * 8 * 60, "rate \(rate)/min at a pace of 480/min")
        let forecast = try #require(history["forecast"] as? [String: Any], "\(history)")
        #expect(forecast["limit"] as? Double == 400)
        let age = try #require(found["age"] as? [String: Any])
        #expect(age["source"] as? String == "history")

        let text = try runTCPDoctor(["doctor", "--db", database, "--rule", "close-wait-leak"])
        // The history line wraps at 100 columns.
        let flat = text.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("history: growing since"), "\(text.stdout)")
        #expect(flat.contains("reaches its fd soft limit 400"), "\(text.stdout)")
        #expect(text.stdout.contains("History: \(database)"))
    }

    @Test func withoutAHistoryTheDoctorSaysHowToStartOne() throws {
        let missing = NSTemporaryDirectory() + "tcpdoctor-no-history-\(UUID().uuidString).sqlite"
        let json = try runTCPDoctor(["doctor", "--json", "--db", missing])
        let history = try #require(try json.json()["history"] as? [String: Any])
        #expect(history["status"] as? String == "absent")
        #expect(history["database"] as? String == missing)
        let disabled = try runTCPDoctor(["doctor", "--json", "--db", missing, "--no-history"])
        #expect((try disabled.json()["history"] as? [String: Any])?["status"] as? String == "disabled")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
