/// Polls `condition` until it holds or `timeout` passes; the last answer.
/// Tests wait for a condition with a deadline rather than for a fixed time.
/// The deadline only bounds a test that fails: it is generous, so that a
/// loaded machine (the whole suite in parallel on 2 cores) does not miss it.
public func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))  // poll interval
    }
    return try await condition()
}
