import NIOConcurrencyHelpers
import NIOCore
import NIOSSH

/// What the node said about a session channel besides its data.
struct SessionOutcome: Sendable {
    var exit: SessionExit?
    /// The node answered a request (exec, shell) with failure.
    var refused = false
}

/// Sits before the async channel of a session and records the exit status,
/// exit signal and request failures, which arrive as user events.
final class SessionEventsHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = SSHChannelData

    private let outcome: NIOLockedValueBox<SessionOutcome>

    init(outcome: NIOLockedValueBox<SessionOutcome>) {
        self.outcome = outcome
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let status as SSHChannelRequestEvent.ExitStatus:
            outcome.withLockedValue { $0.exit = .exited(status.exitStatus) }
        case let signal as SSHChannelRequestEvent.ExitSignal:
            outcome.withLockedValue { $0.exit = .signaled(signal.signalName) }
        case is ChannelFailureEvent:
            outcome.withLockedValue { $0.refused = true }
            context.close(promise: nil)
        case is ChannelSuccessEvent:
            break
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }
}
