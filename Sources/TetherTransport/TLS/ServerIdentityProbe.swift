import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import TetherCore
import TetherIdentity

/// Who answers TLS at an address: one handshake, the server's certificate
/// verified against the cluster CA and checked to be `expected` (the same
/// check every client makes on its own connections), then the connection is
/// closed without a byte sent.
public enum ServerIdentityProbe {
    public static func identity(
        of expected: ExpectedServer,
        at server: ServerEndpoint,
        trustedCAPEMs: [String],
        eventLoopGroup: any EventLoopGroup,
        timeout: TimeAmount = .seconds(10)
    ) async throws(TetherError) -> TLSIdentity {
        let address = try HostPort(parsing: server.address)
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: try TLSSettings.client(credentials: nil, trustedCAPEMs: trustedCAPEMs))
        } catch {
            throw (error as? TetherError) ?? TetherError(.internal, "cannot build a TLS client context: \(error).")
        }
        let loop = eventLoopGroup.next()
        let handshake = loop.makePromise(of: TLSIdentity.self)
        let deadline = loop.scheduleTask(in: timeout) {
            handshake.fail(TetherError(.unavailable, "\(address) did not complete a TLS handshake within \(timeout.nanoseconds / 1_000_000_000) s; check the address."))
        }
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(try ServerIdentityCheck.handlers(context: context, expecting: expected, at: server))
                    try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(address: address, completing: handshake))
                }
            }
            .connect(host: address.host, port: address.port)
        connected.whenFailure { handshake.fail($0) }
        defer {
            deadline.cancel()
            connected.whenSuccess { $0.close(promise: nil) }
        }
        do {
            return try await handshake.futureResult.get()
        } catch {
            throw SocketFailure.reaching(server, error)
        }
    }
}

/// Reports the verified server's identity once the handshake completes.
private final class HandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let address: HostPort
    private let promise: EventLoopPromise<TLSIdentity>

    init(address: HostPort, completing promise: EventLoopPromise<TLSIdentity>) {
        self.address = address
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            do {
                guard let identity = try PeerIdentity.of(context.channel) else {
                    throw TetherError(.verificationFailed, "\(address) presented no certificate.")
                }
                promise.succeed(identity)
            } catch {
                promise.fail(error)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(TetherError(.unavailable, "\(address) closed the connection during the TLS handshake."))
        context.fireChannelInactive()
    }
}
