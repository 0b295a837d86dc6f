/// The one loop behind every periodic job (heartbeats, watches, renewals,
/// uploads, reconnects): runs `round` until the calling task is cancelled,
/// pausing after each round for as long as it says (nil ends the loop), so
/// a round that backs off or polls faster only returns another pause. The
/// first round runs after `firstPause`. Cancellation ends a pause at once.
public func repeatUntilCancelled(startingAfter firstPause: Duration = .zero, _ round: () async -> Duration?) async {
    if firstPause > .zero { try? await Task.sleep(for: firstPause) }
    while !Task.isCancelled {
        guard let pause = await round() else { return }
        if pause > .zero { try? await Task.sleep(for: pause) }
    }
}

/// Runs `body` every `period` (after it ends) until the calling task is
/// cancelled: first at once, or after one period when `waitingFirst`.
public func repeatEvery(_ period: Duration, waitingFirst: Bool = false, _ body: () async -> Void) async {
    await repeatUntilCancelled(startingAfter: waitingFirst ? period : .zero) {
        await body()
        return period
    }
}
