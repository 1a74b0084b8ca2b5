import Foundation
import Glibc

extension Process {
    /// Waits for the process to exit, at most `timeout`; kills it (SIGKILL), reaps it and throws
    /// when it does not, so that a hung child fails its test instead of hanging the whole suite.
    public func waitUntilExit(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            guard ContinuousClock.now < deadline else {
                kill(processIdentifier, SIGKILL)
                waitUntilExit()
                let name = executableURL?.lastPathComponent ?? "child"
                throw FixtureError("\(name) (pid \(processIdentifier)) did not exit within \(timeout) and was killed")
            }
            usleep(2_000)
        }
        // isRunning turns false once the child is reaped; this returns at once and orders the status.
        waitUntilExit()
    }
}

/// How long a test's child process may live at most: long enough for any test, short enough
/// that a child orphaned by a crashed test run does not linger.
public let childLifetimeSeconds = 300
