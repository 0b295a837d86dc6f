import NIOCore
import NIOHTTP2
import TetherCore

/// Installs the handlers that serve an accepted stream; they receive and
/// write `ByteBuffer`s and may write at once (the acceptance is already sent).
public typealias TunnelStreamService = (Channel) throws -> Void

/// Serves the streams a tunnel's far end opens.
public protocol TunnelStreamRouter: Sendable {
    /// Runs on `stream`'s event loop. Decide from the request whether to
    /// serve it: succeed with how, or fail with a `TetherError` to refuse the
    /// stream with its message. A router may take its time, say to open the
    /// stream it will relay to, so that a failure there is still a refusal
    /// the user reads; what it prepares must end when `stream` closes.
    func route(_ request: TunnelStreamRequest, stream: Channel) -> EventLoopFuture<TunnelStreamService>
}

/// A router that decides at once, from the request alone.
public protocol ImmediateTunnelStreamRouter: TunnelStreamRouter {
    /// Return how to serve the stream, or throw a `TetherError` to refuse it.
    func decide(_ request: TunnelStreamRequest) throws -> TunnelStreamService
}

extension ImmediateTunnelStreamRouter {
    public func route(_ request: TunnelStreamRequest, stream: Channel) -> EventLoopFuture<TunnelStreamService> {
        stream.eventLoop.makeCompletedFuture { try decide(request) }
    }
}

/// First handler of an inbound stream: waits for the request headers, asks
/// the router, answers, and steps aside for the byte codec.
final class TunnelStreamAcceptor: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum State {
        case awaitingRequest
        case deciding
        case answered
    }

    private let router: any TunnelStreamRouter
    private var state = State.awaitingRequest

    init(router: any TunnelStreamRouter) {
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The opener sends nothing but its request until it has the answer.
        guard state == .awaitingRequest, case .headers(let head) = unwrapInboundIn(data) else {
            state = .answered
            context.close(promise: nil)
            return
        }
        state = .deciding
        let request: TunnelStreamRequest
        do {
            request = try TunnelStreamRequest(headers: head.headers)
        } catch {
            return answer(.failure(error), context: context)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        router.route(request, stream: context.channel).hop(to: context.eventLoop).whenComplete { decision in
            let (acceptor, context) = bound.value
            acceptor.answer(decision, context: context)
        }
    }

    private func answer(_ decision: Result<TunnelStreamService, any Error>, context: ChannelHandlerContext) {
        guard state == .deciding, context.channel.isActive else { return }
        state = .answered
        switch decision {
        case .success(let service):
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: TunnelStreamResponse.accepted()))), promise: nil)
            do {
                try context.pipeline.syncOperations.addHandler(TunnelStreamCodec(), position: .after(self))
                try service(context.channel)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            } catch {
                // Accepted already: closing is the only answer left.
                context.close(promise: nil)
            }
        case .failure(let error):
            let refusal = (error as? TetherError) ?? TetherError(.internal, "the far end could not serve the stream: \(error).")
            let headers = TunnelStreamResponse.refused(refusal)
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
            context.close(promise: nil)
        }
    }
}
