/// Polls `condition` until it holds or `timeout` passes; the last answer.
/// Tests wait for a condition with a deadline rather than for a fixed time.
public func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))  // poll interval
    }
    return try await condition()
}
