import NIOCore
import NIOHTTP2
import TetherCore

/// Installs the handlers that serve an accepted stream; they receive and
/// write `ByteBuffer`s and may write at once (the acceptance is already sent).
public typealias TunnelStreamService = (Channel) throws -> Void

/// Serves the streams a tunnel's far end opens.
public protocol TunnelStreamRouter: Sendable {
    /// Runs on the stream's event loop. Decide from the request whether to
    /// serve it: return how, or throw a `TetherError` to refuse the stream
    /// with its message.
    func route(_ request: TunnelStreamRequest) throws -> TunnelStreamService
}

/// First handler of an inbound stream: waits for the request headers, asks
/// the router, answers, and steps aside for the byte codec.
final class TunnelStreamAcceptor: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let router: any TunnelStreamRouter

    init(router: any TunnelStreamRouter) {
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .headers(let head) = unwrapInboundIn(data) else {
            context.close(promise: nil)
            return
        }
        do {
            let service = try router.route(try TunnelStreamRequest(headers: head.headers))
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: TunnelStreamResponse.accepted()))), promise: nil)
            try context.pipeline.syncOperations.addHandler(TunnelStreamCodec(), position: .after(self))
            try service(context.channel)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } catch {
            let refusal = (error as? TetherError) ?? TetherError(.internal, "the node could not serve the stream: \(error).")
            let headers = TunnelStreamResponse.refused(refusal)
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
            context.close(promise: nil)
        }
    }
}
