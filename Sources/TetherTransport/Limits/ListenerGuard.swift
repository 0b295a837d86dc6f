import NIOCore

/// What a listener tells its log about the connections it refuses or
/// drops: each kind at most once per interval, with a count of those held
/// back, so that a flood of stalled connections cannot flood the log too.
public final class ListenerRefusals: Sendable {
    private let listener: String
    private let limits: ConnectionLimits
    private let warn: @Sendable (String) -> Void
    private let capped = RateLimitedLog()
    private let late = RateLimitedLog()

    /// `listener` names it in a sentence ("the proxy"); `warn` writes a line to the log.
    public init(listener: String, limits: ConnectionLimits, warn: @escaping @Sendable (String) -> Void) {
        self.listener = listener
        self.limits = limits
        self.warn = warn
    }

    public func refused(_ refusal: ConnectionLimiter.Refusal) {
        capped.write { heldBack in
            warn("\(listener) refused a connection: \(refusal)\(Self.more(heldBack)).")
        }
    }

    public func missed(_ stage: ConnectionDeadline.Stage, remoteAddress: String?) {
        let timeout = stage == .handshake ? limits.handshakeTimeout : limits.firstRequestTimeout
        late.write { heldBack in
            warn("\(listener) closed a connection from \(remoteAddress ?? "an unknown address") that did not finish its \(stage) within \(Self.seconds(timeout))\(Self.more(heldBack)).")
        }
    }

    private static func more(_ heldBack: Int) -> String {
        heldBack == 0 ? "" : " (and \(heldBack) more like it since the last such message)"
    }

    static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}

/// A listener's limits with the handlers that enforce them on each
/// accepted connection: first the admission (connection caps), then the
/// deadlines.
public struct ListenerGuard: Sendable {
    public let limits: ConnectionLimits
    public let limiter: ConnectionLimiter
    public let refusals: ListenerRefusals

    public init(listener: String, limits: ConnectionLimits, warn: @escaping @Sendable (String) -> Void) {
        self.limits = limits
        limiter = ConnectionLimiter(limits)
        refusals = ListenerRefusals(listener: listener, limits: limits, warn: warn)
    }

    public func admission() -> ConnectionAdmissionHandler {
        ConnectionAdmissionHandler(limiter: limiter, onRefusal: refusals.refused)
    }

    public func deadline<Part>(from stage: ConnectionDeadline.Stage, isRequestHead: @escaping (Part) -> Bool = { _ in false }) -> ConnectionDeadlineHandler<Part> {
        let refusals = refusals
        return ConnectionDeadlineHandler(ConnectionDeadline(from: stage, limits: limits), isRequestHead: isRequestHead) { stage, address in
            refusals.missed(stage, remoteAddress: address)
        }
    }
}
