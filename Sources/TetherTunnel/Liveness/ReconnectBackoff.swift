/// Delays between reconnect attempts: exponential from `initial`, capped, with
/// jitter so a fleet that lost its proxy at once does not return in lockstep.
/// Each delay is drawn uniformly from [d/2, d] where d doubles per failure.
public struct ReconnectBackoff: Sendable {
    public var initial: Duration
    public var cap: Duration
    private var attempts = 0

    public init(initial: Duration = .milliseconds(250), cap: Duration = .seconds(30)) {
        self.initial = initial
        self.cap = cap
    }

    /// The delay before the next attempt; every call counts one failure.
    public mutating func nextDelay(using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(attempts, 30)
        attempts += 1
        let ceiling = min(initial * (1 << exponent), cap)
        let ceilingNanoseconds = ceiling.nanoseconds
        let jittered = Int64.random(in: ceilingNanoseconds / 2...ceilingNanoseconds, using: &generator)
        return .nanoseconds(jittered)
    }

    public mutating func nextDelay() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return nextDelay(using: &generator)
    }

    /// After a connection that worked, start again from `initial`.
    public mutating func reset() {
        attempts = 0
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
