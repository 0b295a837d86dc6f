import Testing
import TetherCore

@Suite struct RepeatTests {
    @Test func roundsRunUntilOneSaysStop() async {
        var rounds = 0
        await repeatUntilCancelled {
            rounds += 1
            return rounds < 5 ? .zero : nil
        }
        #expect(rounds == 5)
    }

    @Test func cancellationCutsThePauseShortAndEndsTheLoop() async {
        var rounds = 0
        let started = ContinuousClock.now
        await repeatEvery(.seconds(3600)) {
            rounds += 1
            withUnsafeCurrentTask { $0?.cancel() }
        }
        #expect(rounds == 1)
        #expect(ContinuousClock.now - started < .seconds(600), "the hour's pause ended with the cancellation")
    }

    @Test func aLoopThatWaitsFirstDoesNothingOnceCancelledDuringTheWait() async {
        var rounds = 0
        withUnsafeCurrentTask { $0?.cancel() }
        await repeatEvery(.seconds(3600), waitingFirst: true) { rounds += 1 }
        #expect(rounds == 0)
    }
}
