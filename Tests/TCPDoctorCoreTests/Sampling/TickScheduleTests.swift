import Testing

@testable import TCPDoctorCore

struct TickScheduleTests {
    @Test func ticksFollowAGridFromTheStart() {
        var schedule = TickSchedule(interval: 10, start: 100)
        #expect(schedule.next(after: 100.5) == (at: 110, missed: 0))
        // A sample that finished early still waits for its own tick, not interval after it.
        #expect(schedule.next(after: 112.0) == (at: 120, missed: 0))
        #expect(schedule.skipped == 0)
    }

    @Test func anOverrunSkipsTheTicksItMissedAndCountsThem() {
        var schedule = TickSchedule(interval: 10, start: 0)
        #expect(schedule.next(after: 1) == (at: 10, missed: 0))
        // The sample of tick 1 took until 35: ticks 2 and 3 are gone, the next is 4 at 40.
        #expect(schedule.next(after: 35) == (at: 40, missed: 2))
        #expect(schedule.skipped == 2)
        #expect(schedule.next(after: 40.2) == (at: 50, missed: 0))
        #expect(schedule.tick == 5)
    }

    @Test func aClockBeforeTheStartNeverGoesBackwards() {
        var schedule = TickSchedule(interval: 5, start: 50)
        #expect(schedule.next(after: 10) == (at: 55, missed: 0))
        #expect(schedule.next(after: 10) == (at: 60, missed: 0))
    }
}
