import NIOCore

/// How a tunnel end proves its peer is alive: a PING every `interval`; a peer
/// heard from for no `missedIntervals` × `interval` is dead.
public struct KeepalivePolicy: Sendable, Hashable {
    public var interval: TimeAmount
    public var missedIntervals: Int64

    public init(interval: TimeAmount = .seconds(5), missedIntervals: Int64 = 3) {
        self.interval = interval
        self.missedIntervals = missedIntervals
    }

    public static let `default` = KeepalivePolicy()

    /// Silence longer than this means the peer is gone.
    public var deadAfter: TimeAmount { .nanoseconds(interval.nanoseconds * missedIntervals) }
}
