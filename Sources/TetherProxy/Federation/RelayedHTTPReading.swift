import NIOCore
import NIOEmbedded
import TetherAPI
import TetherCore

/// Both ends' reading of a relayed API call, run on bytes alone: the real
/// handlers with NIO's HTTP/1.1 codecs on an embedded channel, fed `bytes`
/// and then the end of the stream, as a peer might send them. The entry
/// point of the `relay-http` fuzz target; every input gets one verdict.
public enum RelayedHTTPReading {
    /// What a root makes of `bytes` as a leaf's answer to a `GET`: the
    /// answer's status, or the error that refuses it.
    public static func answer(_ bytes: [UInt8]) -> Result<Int, TetherError>? {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        var verdict: Result<Int, TetherError>?
        do {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let answered = channel.eventLoop.makePromise(of: APIAnswer.self)
            answered.futureResult.whenComplete { result in
                verdict = result.map(\.status).mapError { ($0 as? TetherError) ?? TetherError(.internal, "\($0)") }
            }
            let request = try APIRelay.Request(method: "GET", uri: "/v1/nodes", contentType: nil, certificateDER: [0x30], clientAddress: nil)
            try RelayedAnswerHandler.install(
                on: channel, RelayedAnswerHandler(request: request, body: ByteBuffer(), cluster: "leaf", timeout: .seconds(45), answered: answered))
            feed(bytes, to: channel)
        } catch {
            return .failure(TetherError(.internal, "the embedded channel failed: \(error)."))
        }
        return verdict
    }

    /// What a leaf makes of `bytes` as its root's request: the request it
    /// would serve, or the problem it refuses it for.
    public static func request(_ bytes: [UInt8]) -> Result<APIRelay.Request, RelayProblem>? {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        var verdict: Result<APIRelay.Request, RelayProblem>?
        do {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try RelayedRequestHandler.install(on: channel, RelayedRequestHandler(
                serve: { request, _, eventLoop in
                    verdict = .success(request)
                    return eventLoop.makeSucceededFuture(APIAnswer(status: 204, contentType: nil, body: ByteBuffer()))
                },
                refusal: { problem in
                    verdict = .failure(problem)
                    return APIAnswer(status: 400, contentType: nil, body: ByteBuffer())
                }))
            feed(bytes, to: channel)
        } catch {
            return .failure(RelayProblem("the embedded channel failed: \(error)"))
        }
        return verdict
    }

    private static func feed(_ bytes: [UInt8], to channel: EmbeddedChannel) {
        if !bytes.isEmpty, channel.isActive { _ = try? channel.writeInbound(ByteBuffer(bytes: bytes)) }
        if channel.isActive { channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
    }
}
