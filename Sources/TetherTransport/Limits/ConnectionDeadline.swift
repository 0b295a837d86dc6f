import NIOCore
import NIOTLS

/// The deadlines a connection meets before it is served: its TLS handshake
/// (with the proxy's protocol sniffing), then its first HTTP request head.
/// A pure state machine: events in, actions out; `ConnectionDeadlineHandler`
/// performs the actions.
public struct ConnectionDeadline: Sendable, Equatable {
    public enum Stage: Sendable, Equatable, CustomStringConvertible {
        case handshake, firstRequest, served

        public var description: String {
            switch self {
            case .handshake: "TLS handshake"
            case .firstRequest: "first HTTP request"
            case .served: "served"
            }
        }
    }

    public enum Action: Sendable, Equatable {
        /// (Re)start the timer: the previous one no longer applies.
        case arm(TimeAmount)
        case disarm
        /// The connection missed the deadline of this stage.
        case close(missed: Stage)
        case none
    }

    public private(set) var stage: Stage
    private let limits: ConnectionLimits

    public init(from stage: Stage, limits: ConnectionLimits) {
        self.stage = stage
        self.limits = limits
    }

    public mutating func started() -> Action {
        switch stage {
        case .handshake: .arm(limits.handshakeTimeout)
        case .firstRequest: .arm(limits.firstRequestTimeout)
        case .served: .none
        }
    }

    public mutating func handshakeCompleted() -> Action {
        guard stage == .handshake else { return .none }
        stage = .firstRequest
        return .arm(limits.firstRequestTimeout)
    }

    /// The connection is someone else's to serve now (its first request
    /// head arrived, or the proxy handed it on); idle timeouts take over.
    public mutating func served() -> Action {
        guard stage != .served else { return .none }
        stage = .served
        return .disarm
    }

    public mutating func deadlinePassed() -> Action {
        stage == .served ? .none : .close(missed: stage)
    }
}

/// Closes a connection that misses a `ConnectionDeadline`. `Part` is what
/// flows where it sits: bytes in front of TLS, HTTP parts behind the HTTP
/// codec (then `isRequestHead` tells when the first request arrived). It
/// removes itself once the connection is served; whoever hands a connection
/// on before that removes it.
public final class ConnectionDeadlineHandler<Part>: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = Part
    public typealias InboundOut = Part

    private var deadline: ConnectionDeadline
    private var timer: Scheduled<Void>?
    private let isRequestHead: (Part) -> Bool
    private let onMissed: @Sendable (ConnectionDeadline.Stage, _ remoteAddress: String?) -> Void

    public init(
        _ deadline: ConnectionDeadline,
        isRequestHead: @escaping (Part) -> Bool = { _ in false },
        onMissed: @escaping @Sendable (ConnectionDeadline.Stage, _ remoteAddress: String?) -> Void
    ) {
        self.deadline = deadline
        self.isRequestHead = isRequestHead
        self.onMissed = onMissed
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        perform(deadline.started(), context)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { perform(deadline.handshakeCompleted(), context) }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let served = isRequestHead(unwrapInboundIn(data))
        context.fireChannelRead(data)
        if served { perform(deadline.served(), context) }
    }

    private func perform(_ action: ConnectionDeadline.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .arm(let timeout):
            timer?.cancel()
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) {
                let (handler, context) = bound.value
                handler.perform(handler.deadline.deadlinePassed(), context)
            }
        case .disarm:
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .close(let missed):
            timer = nil
            onMissed(missed, context.channel.remoteAddress?.ipAddress)
            context.close(promise: nil)
        case .none:
            break
        }
    }
}
