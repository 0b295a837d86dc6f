import NIOCore

/// Joins two channels into one pipe: bytes read on one are written to the
/// other, with backpressure (a side stops reading while its partner is not
/// writable) and half-closure passed across. Used by the proxy to splice a
/// user's connection onto a tunnel stream. The two channels may live on
/// different event loops, so a handler reaches its partner only through the
/// partner's `Channel`, whose operations are thread-safe.
public final class SpliceHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer

    /// Sent to a side when its partner can take writes again.
    private struct PartnerWritable {}

    private let partner: Channel
    private var readPending = false

    public init(partner: Channel) {
        self.partner = partner
    }

    /// Splices two active channels, each side getting its handler on its own
    /// loop. A side holding early bytes in an `InboundHold` replays them into
    /// the splice.
    public static func splice(_ first: Channel, _ second: Channel) -> EventLoopFuture<Void> {
        func join(_ channel: Channel, to partner: Channel) -> EventLoopFuture<Void> {
            channel.eventLoop.submit {
                let sync = channel.pipeline.syncOperations
                try sync.addHandler(SpliceHandler(partner: partner))
                if let hold = try? sync.handler(type: InboundHold.self) {
                    _ = sync.removeHandler(hold)
                }
            }
        }
        return join(first, to: second).and(join(second, to: first)).map { _ in () }
    }

    /// Each chunk (up to one socket read or one HTTP/2 frame) is flushed at
    /// once: a flush deferred to read-complete can be lost when chunks are
    /// replayed outside a read, and per-chunk flushes cost little at these sizes.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        partner.close(promise: nil)
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            let partner = partner
            partner.close(mode: .output).whenFailure { _ in partner.close(promise: nil) }
        case is PartnerWritable:
            if readPending {
                readPending = false
                context.read()
            }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            partner.pipeline.fireUserInboundEventTriggered(PartnerWritable())
        }
        context.fireChannelWritabilityChanged()
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

extension SpliceHandler: ChannelOutboundHandler {
    public typealias OutboundIn = ByteBuffer

    /// Backpressure: hold reads while the partner's outbound buffer is full.
    public func read(context: ChannelHandlerContext) {
        if partner.isWritable {
            context.read()
        } else {
            readPending = true
        }
    }
}
