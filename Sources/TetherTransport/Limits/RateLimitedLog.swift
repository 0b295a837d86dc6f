import NIOConcurrencyHelpers
import NIOCore

/// Lets a kind of message through at most once per `interval`, counting
/// the ones held back, so that an attack repeating one refusal thousands
/// of times a second cannot flood the log.
public final class RateLimitedLog: Sendable {
    private struct State {
        var lastWritten: NIODeadline?
        var heldBack = 0
    }

    private let interval: TimeAmount
    private let state = NIOLockedValueBox(State())

    public init(interval: TimeAmount = .seconds(10)) {
        self.interval = interval
    }

    /// Calls `write` with the number of messages held back since the last
    /// one written, if one may be written `now`; otherwise counts this one.
    public func write(now: NIODeadline = .now(), _ write: (_ heldBack: Int) -> Void) {
        let heldBack: Int? = state.withLockedValue { state in
            if let last = state.lastWritten, now < last + interval {
                state.heldBack += 1
                return nil
            }
            defer { state = State(lastWritten: now, heldBack: 0) }
            return state.heldBack
        }
        if let heldBack { write(heldBack) }
    }
}
