import Foundation
import NIOCore
import NIOHTTP1
import TetherAPI
import TetherCore

/// A leaf's reading of the API request its root relays: the root is
/// another cluster, so nothing it sends reaches this auth service unchecked
/// (`APIRelay.Request` vets method, path, fields and certificate).
typealias RelayedRequestReader = RelayedMessageReader<HTTPRequestHead, APIRelay.Request>

extension RelayedRequestReader {
    init() {
        self.init(message: "request", checkHead: { head throws(RelayProblem) in
            try APIRelay.Request(method: head.method.rawValue, uri: head.uri, fields: Array(head.headers))
        })
    }
}

/// Serves the one HTTP/1.1 request on a root's API stream: reads it
/// through `RelayedRequestReader`, has `serve` answer it (or `refusal`
/// explain why it was not served), writes the answer and ends the stream.
/// Sits behind NIO's `HTTPRequestDecoder` and `HTTPResponseEncoder`.
final class RelayedRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    /// Answers a request that passed, on the stream's event loop.
    typealias Serve = (APIRelay.Request, ByteBuffer, any EventLoop) -> EventLoopFuture<APIAnswer>

    private let serve: Serve
    private let refusal: (RelayProblem) -> APIAnswer
    private var reader = RelayedRequestReader()

    init(serve: @escaping Serve, refusal: @escaping (RelayProblem) -> APIAnswer) {
        self.serve = serve
        self.refusal = refusal
    }

    /// The decoder and encoder this handler reads and writes through, with
    /// the decoder's head limits; installed on an accepted API stream.
    static func install(on stream: Channel, _ handler: RelayedRequestHandler) throws {
        try stream.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: .relayedHead)),
            HTTPResponseEncoder(),
            handler,
        ])
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(reader.read(unwrapInboundIn(data)), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(reader.decodingFailed(error), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            perform(reader.inputClosed(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func perform(_ action: RelayedRequestReader.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .whole(let request, let body):
            serve(request, body, context.eventLoop).hop(to: context.eventLoop).assumeIsolated().whenComplete { answer in
                // A service that failed outright has nothing to say: the stream ends unanswered.
                guard case .success(let answer) = answer else { return context.close(promise: nil) }
                self.write(answer, context: context)
            }
        case .refuse(let problem):
            write(refusal(problem), context: context)
        }
    }

    /// The answer with its length, then the end of this side of the stream.
    private func write(_ answer: APIAnswer, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders([("Content-Length", String(answer.body.readableBytes))])
        if let contentType = answer.contentType { headers.add(name: "Content-Type", value: contentType) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: answer.status), headers: headers))), promise: nil)
        if answer.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(mode: .output, promise: nil) }
    }
}
