import NIOCore
import NIOHTTP2
import TetherCore

/// First handler of an outbound stream: sends the request, waits for the
/// answer, and on acceptance installs the codec and the caller's handlers
/// before any DATA can arrive (so no byte is lost to an empty pipeline).
final class TunnelStreamOpener: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let request: TunnelStreamRequest
    private let initializer: @Sendable (Channel) throws -> Void
    private var result: EventLoopPromise<Channel>?

    init(request: TunnelStreamRequest, initializer: @escaping @Sendable (Channel) throws -> Void, result: EventLoopPromise<Channel>) {
        self.request = request
        self.initializer = initializer
        self.result = result
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private var sent = false
    private func sendRequest(context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: request.headers))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .headers(let head) = unwrapInboundIn(data) else {
            fail(TetherError(.malformed, "the tunnel's far end answered without headers."), context: context)
            return
        }
        if let refusal = TunnelStreamResponse.error(in: head.headers) {
            fail(refusal, context: context)
            return
        }
        do {
            try context.pipeline.syncOperations.addHandler(TunnelStreamCodec(), position: .after(self))
            try initializer(context.channel)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            result?.succeed(context.channel)
            result = nil
        } catch {
            fail(error, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(TetherError(.unavailable, "the tunnel closed before the far end answered."), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error, context: context)
    }

    private func fail(_ error: Error, context: ChannelHandlerContext) {
        guard let result else { return }
        self.result = nil
        result.fail(error)
        context.close(promise: nil)
    }
}
