/// When the next sample of a loop (watch, record, serve) is due, on a fixed grid of ticks.
///
/// Ticks are `interval` apart from the start on the monotonic clock, so a wall-clock jump (NTP)
/// neither bunches nor stretches them. A sample that overruns its tick does not queue the ticks
/// it missed: they are skipped and counted, and the loop waits for the next tick still ahead.
public struct TickSchedule: Hashable, Sendable {
    /// Seconds between ticks; more than 0.
    public let interval: Double
    /// The monotonic time of tick 0.
    public let start: Double
    /// The index of the last tick handed out by `next(after:)`.
    public private(set) var tick: Int = 0
    /// Ticks skipped so far because a sample ran past them.
    public private(set) var skipped: Int = 0

    public init(interval: Double, start: Double) {
        precondition(interval > 0, "a tick interval must be positive")
        self.interval = interval
        self.start = start
    }

    /// The next tick after `now` (monotonic seconds): its time, and how many ticks were missed
    /// since the previous one because `now` is already past them.
    public mutating func next(after now: Double) -> (at: Double, missed: Int) {
        let due = tick + 1
        let elapsed = max(0, now - start)
        // The first tick strictly after now.
        let ahead = max(due, Int((elapsed / interval).rounded(.down)) + 1)
        let missed = ahead - due
        skipped += missed
        tick = ahead
        return (start + Double(ahead) * interval, missed)
    }
}
