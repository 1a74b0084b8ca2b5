import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// A hung child fails its test at a deadline instead of hanging the suite, and leaves nothing.
struct ChildDeadlineTests {
    @Test func aChildStillRunningAtItsDeadlineIsKilledAndReaped() throws {
        let started = ContinuousClock.now
        #expect(throws: FixtureError.self) {
            _ = try runProgram("/bin/sleep", ["30"], timeout: .milliseconds(200))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aPythonChildEndsItselfAtItsLifetime() throws {
        let source = ChildProcess.pythonCommand("import signal; print(signal.alarm(0), flush=True)")
        let run = try runProgram(source[0], Array(source.dropFirst()))
        // alarm(0) returns the seconds left of the alarm the deadline set.
        let left = Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(left > 0 && left <= childLifetimeSeconds, "stdout: \(run.stdout)")
    }
}
