import NIOCore
import TetherCore

/// Reads a stream to its end (the peer's END_STREAM or close) and hands
/// over everything it carried, refusing more than `maximumBytes`. For the
/// small request/response exchanges relayed over tunnel streams.
public final class StreamCollector: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer

    private let maximumBytes: Int
    private let promise: EventLoopPromise<ByteBuffer>
    private var collected: ByteBuffer?

    /// `promise` completes with the stream's bytes once its far end has finished sending.
    public init(maximumBytes: Int, completing promise: EventLoopPromise<ByteBuffer>) {
        self.maximumBytes = maximumBytes
        self.promise = promise
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard (collected?.readableBytes ?? 0) + buffer.readableBytes <= maximumBytes else {
            promise.fail(TetherError(.invalidArgument, "the relayed message is larger than \(maximumBytes) bytes."))
            context.close(promise: nil)
            return
        }
        if collected == nil {
            collected = buffer
        } else {
            collected!.writeBuffer(&buffer)
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            promise.succeed(collected ?? context.channel.allocator.buffer(capacity: 0))
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        promise.fail(TetherError(.unavailable, "the tunnel stream closed before its message was complete."))
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(TetherError(.unavailable, "the tunnel stream was torn down before its message was complete."))
    }
}
