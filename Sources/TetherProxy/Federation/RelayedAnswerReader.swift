import NIOCore
import NIOHTTP1
import TetherAPI
import TetherCore

/// The root's reading of a leaf's answer: a valid status and content
/// type, and no body where the status allows none.
typealias RelayedAnswerReader = RelayedMessageReader<HTTPResponseHead, (status: Int, contentType: String?)>

extension RelayedAnswerReader {
    init() {
        self.init(
            message: "answer",
            checkHead: { head throws(RelayProblem) in
                let status = Int(head.status.code)
                return (status, try APIRelay.checkAnswerHead(status: status, fields: Array(head.headers)))
            },
            bodyRefusal: { head in APIRelay.mayCarryBody(status: head.status) ? nil : .body(onStatus: head.status) }
        )
    }
}

/// Sends one relayed request down a leaf's API stream as HTTP/1.1 and
/// reads the answer through `RelayedAnswerReader` within `timeout`:
/// `answered` gets the answer, or the sentence saying why none is passed
/// on. Sits behind NIO's `HTTPRequestEncoder` and `HTTPResponseDecoder`.
final class RelayedAnswerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: APIRelay.Request
    private let body: ByteBuffer
    private let cluster: String
    private let timeout: TimeAmount
    private let answered: EventLoopPromise<APIAnswer>
    private var reader = RelayedAnswerReader()
    private var deadline: Scheduled<Void>?

    init(request: APIRelay.Request, body: ByteBuffer, cluster: String, timeout: TimeAmount, answered: EventLoopPromise<APIAnswer>) {
        self.request = request
        self.body = body
        self.cluster = cluster
        self.timeout = timeout
        self.answered = answered
    }

    /// The encoder and decoder this handler reads and writes through, with
    /// the decoder's head limits; installed on an accepted API stream.
    static func install(on stream: Channel, _ handler: RelayedAnswerHandler) throws {
        try stream.pipeline.syncOperations.addHandlers([
            HTTPRequestEncoder(),
            ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: .relayedHead)),
            handler,
        ])
    }

    /// The request goes out as soon as the handler is in place, so that the
    /// decoder knows its method before any answer byte arrives.
    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            let seconds = self.timeout.nanoseconds / 1_000_000_000
            self.finish(.failure(TetherError(.unavailable, "cluster \(self.cluster) did not answer within \(seconds) seconds; try again, or ask its administrators to check its proxy.")), context: context)
        }
        var headers = HTTPHeaders(request.fields.map { ($0.name, $0.value) })
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: request.uri, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(TetherError(.unavailable, "the stream to cluster \(cluster) was torn down before it answered; try again.")), context: context)
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

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(TetherError(.unavailable, "the stream to cluster \(cluster) closed before it answered; try again.")), context: context)
        context.fireChannelInactive()
    }

    private func perform(_ action: RelayedAnswerReader.Action, context: ChannelHandlerContext) {
        switch action {
        case .none: break
        case .whole(let head, let body): finish(.success(APIAnswer(status: head.status, contentType: head.contentType, body: body)), context: context)
        case .refuse(let problem): finish(.failure(LeafRelay.invalidAnswer(from: cluster, problem)), context: context)
        }
    }

    /// One verdict, then the stream goes: nothing after it is read.
    private func finish(_ result: Result<APIAnswer, any Error>, context: ChannelHandlerContext) {
        guard let deadline else { return }
        self.deadline = nil
        deadline.cancel()
        answered.completeWith(result)
        context.close(promise: nil)
    }
}

extension RelayProblem {
    /// Why NIO's HTTP/1.1 decoder refused bytes, in its own words ("invalid http status code").
    static func reason(_ error: any Error) -> String {
        (error as? HTTPParserError).map { String(describing: $0) } ?? "bytes out of place"
    }
}
