import AsyncHTTPClient
import NIOCore
import NIOSSL
import NIOTLS
import TetherCore

/// Sits right behind a client's `NIOSSLClientHandler`: holds everything the
/// client writes until the handshake completed and the server's certificate
/// names the expected role and cluster, then lets it through and steps
/// aside. A server that is not who it should be gets not one byte (no
/// CONNECT, no audit, no password): the channel fails with the reason.
public final class ServerIdentityCheck: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny
    public typealias InboundOut = NIOAny
    public typealias OutboundIn = NIOAny
    public typealias OutboundOut = NIOAny

    private let expected: ExpectedServer
    private let server: ServerEndpoint
    private var held: [(data: NIOAny, promise: EventLoopPromise<Void>?)] = []
    private var flushHeld = false
    private var refusal: TetherError?

    public init(expecting expected: ExpectedServer, at server: ServerEndpoint) {
        self.expected = expected
        self.server = server
    }

    /// The TLS client handler and this check, in pipeline order.
    public static func handlers(context: NIOSSLContext, expecting expected: ExpectedServer, at server: ServerEndpoint) throws -> [any ChannelHandler] {
        [try NIOSSLClientHandler(context: context, serverHostname: nil), ServerIdentityCheck(expecting: expected, at: server)]
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if let refusal {
            promise?.fail(refusal)
        } else {
            held.append((data, promise))
        }
    }

    public func flush(context: ChannelHandlerContext) {
        flushHeld = true
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refusal == nil else { return }
        context.fireChannelRead(data)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case TLSUserEvent.handshakeCompleted = event else {
            return context.fireUserInboundEventTriggered(event)
        }
        do {
            try expected.check(try PeerIdentity.of(context.channel), at: server)
        } catch {
            refusal = error
            let held = self.held
            self.held = []
            for write in held { write.promise?.fail(error) }
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
        for write in held { context.write(write.data, promise: write.promise) }
        held = []
        if flushHeld { context.flush() }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        let error = refusal ?? TetherError(.unavailable, "the connection to \(server.address) closed before its TLS handshake completed.")
        for write in held { write.promise?.fail(error) }
        held = []
    }
}

extension HTTPClient.Configuration {
    /// Checks every connection's server, after its TLS handshake and before
    /// any request is sent on it (the connection is not handed to a request
    /// until this completes).
    public mutating func requireServer(_ expected: ExpectedServer, at server: ServerEndpoint) {
        httpVersion = .http1Only
        http1_1ConnectionDebugInitializer = { channel in
            channel.eventLoop.submit {
                try expected.check(try PeerIdentity.of(channel), at: server)
            }
        }
    }
}
