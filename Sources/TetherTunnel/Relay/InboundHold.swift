import NIOCore

/// Holds everything a channel receives until its real consumer is in place,
/// then replays it in order when removed. Stops bytes that arrive in the
/// same read as a handshake's answer from falling off the end of a pipeline
/// that is still being rebuilt (turning `autoRead` off cannot recall a read
/// already under way).
public final class InboundHold: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = Any

    private enum Held {
        case read(NIOAny)
        case event(Any)
    }

    private var held: [Held] = []

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        held.append(.read(data))
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        held.append(.event(event))
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        let replay = held
        held = []
        for item in replay {
            switch item {
            case .read(let data): context.fireChannelRead(data)
            case .event(let event): context.fireUserInboundEventTriggered(event)
            }
        }
        if !replay.isEmpty { context.fireChannelReadComplete() }
    }
}
