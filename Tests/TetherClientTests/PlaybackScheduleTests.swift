@testable import TetherClient
import Testing

@Suite struct PlaybackScheduleTests {
    @Test func pausesAreTheGapsDividedBySpeed() throws {
        let double = try SessionPlayer(speed: 2)
        #expect(double.pause(from: 0, to: 1000) == .milliseconds(500))
        #expect(double.pause(from: 1000, to: 1000) == nil)
        #expect(double.pause(from: 2000, to: 1000) == nil)
        #expect(try SessionPlayer(speed: 0).pause(from: 0, to: 60_000) == nil)
    }
}
