import Foundation
import NIOCore
import TetherAPI
import TetherCore
import TetherTransport

/// Sends the CONNECT, reads the proxy's answer, and then holds on to any
/// bytes that followed the answer (the node's SSH greeting often arrives in
/// the same read) until the next protocol's handlers are in place: removing
/// this handler passes those bytes on.
final class ConnectHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let name = "tether-connect"

    /// Largest refusal body read; a proxy's error sentence is short.
    private static let maximumRefusalBody = 64 * 1024

    private enum State {
        case awaitingHead
        case awaitingRefusalBody(ConnectResponseHead)
        case established
        case failed
    }

    private let target: ConnectTarget
    private let proxy: ServerEndpoint
    private let outcome: EventLoopPromise<Void>
    private let timeout: TimeAmount
    private var state = State.awaitingHead
    private var received: [UInt8] = []
    private var requestSent = false
    private var deadline: Scheduled<Void>?

    init(target: ConnectTarget, proxy: ServerEndpoint, outcome: EventLoopPromise<Void>, timeout: TimeAmount) {
        self.target = target
        self.proxy = proxy
        self.outcome = outcome
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.fail(TetherError(.unavailable, "the proxy at \(handler.proxy) did not answer the connection request for \(handler.target.node) in time; check that it is up."), context: context)
        }
        if context.channel.isActive { sendRequest(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        outcome.fail(TetherError(.unavailable, "the connection to the proxy at \(proxy) was torn down before it answered."))
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        do {
            try advance(context: context)
        } catch {
            fail(error, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .awaitingRefusalBody(let head) = state {
            fail(refusal(head, body: received), context: context)
        } else {
            fail(TetherError(.unavailable, "the proxy at \(proxy) closed the connection before connecting to \(target.node)."), context: context)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .established = state {
            context.fireErrorCaught(error)
            return
        }
        fail(SocketFailure.reaching(proxy, error), context: context)
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if !received.isEmpty {
            context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: received)))
            received = []
            context.fireChannelReadComplete()
        }
        context.leavePipeline(removalToken: removalToken)
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !requestSent else { return }
        requestSent = true
        context.writeAndFlush(wrapInboundOut(context.channel.allocator.buffer(string: target.requestHead)), promise: nil)
    }

    private func advance(context: ChannelHandlerContext) throws(TetherError) {
        switch state {
        case .awaitingHead:
            guard let (head, length) = try ConnectResponseHead.parse(received) else { return }
            received.removeFirst(length)
            if head.isSuccess {
                state = .established
                deadline?.cancel()
                outcome.succeed()
            } else {
                state = .awaitingRefusalBody(head)
                try advance(context: context)
            }
        case .awaitingRefusalBody(let head):
            guard received.count <= Self.maximumRefusalBody else { throw refusal(head, body: []) }
            if let length = head.contentLength, received.count >= length {
                throw refusal(head, body: Array(received.prefix(length)))
            }
        case .established, .failed:
            return
        }
    }

    /// The proxy's own sentence when its body holds one.
    private func refusal(_ head: ConnectResponseHead, body: [UInt8]) -> TetherError {
        if let error = try? JSONDecoder().decode(APIErrorBody.self, from: Data(body)) { return error.error }
        return TetherError(.accessDenied, "the proxy at \(proxy) refused the connection to \(target.node): \(head.status) \(head.reason).")
    }

    private func fail(_ error: TetherError, context: ChannelHandlerContext) {
        if case .failed = state { return }
        if case .established = state { return }
        state = .failed
        deadline?.cancel()
        outcome.fail(error)
        context.close(promise: nil)
    }
}
