import NIOCore
import Testing
@testable import TetherTunnel

@Suite struct LivenessTests {
    @Test func backoffGrowsWithJitterUpToTheCapAndResets() {
        var generator = SeededGenerator(seed: 42)
        var backoff = ReconnectBackoff(initial: .milliseconds(100), cap: .seconds(2))
        var ceilings: [Duration] = []
        for attempt in 0..<8 {
            let ceiling = min(Duration.milliseconds(100) * (1 << attempt), .seconds(2))
            let delay = backoff.nextDelay(using: &generator)
            #expect(delay >= ceiling / 2 && delay <= ceiling, "attempt \(attempt): \(delay) outside [\(ceiling / 2), \(ceiling)]")
            ceilings.append(ceiling)
        }
        #expect(ceilings.last == .seconds(2))
        backoff.reset()
        #expect(backoff.nextDelay(using: &generator) <= .milliseconds(100))
    }

    @Test func backoffNeverOverflowsAfterManyFailures() {
        var generator = SeededGenerator(seed: 7)
        var backoff = ReconnectBackoff(initial: .seconds(1), cap: .seconds(30))
        for _ in 0..<200 { #expect(backoff.nextDelay(using: &generator) <= .seconds(30)) }
    }

    @Test func peerIsDeadOnlyAfterTheFullSilence() {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var machine = KeepaliveStateMachine(policy: KeepalivePolicy(interval: .seconds(5), missedIntervals: 3), now: start)
        #expect(machine.check(at: start + .seconds(14)) == .checkAgain(at: start + .seconds(15)))
        #expect(machine.check(at: start + .seconds(15)) == .closeDeadPeer)
        machine.heardFromPeer(at: start + .seconds(10))
        #expect(machine.check(at: start + .seconds(15)) == .checkAgain(at: start + .seconds(25)))
        #expect(machine.check(at: start + .seconds(25)) == .closeDeadPeer)
    }
}

/// SplitMix64: reproducible randomness for tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
