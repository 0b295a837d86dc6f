import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import TetherAPI
import TetherCore
import TetherTransport
import TetherTunnel

/// Opens streams to nodes, whichever way they are reached: through the
/// reverse tunnel a tunnel node keeps, or over a connection the proxy dials
/// to a direct node and keeps in the same registry (the node serves HTTP/2 on
/// it exactly as on a tunnel). Sessions that find no connection to a direct
/// node share one dial, and its connection is adopted only once verified.
final class NodeConnector: Sendable {
    let registry: TunnelRegistry
    private let group: any EventLoopGroup
    private let tls: NIOSSLContext
    /// This proxy's cluster, whose direct nodes it dials.
    private let cluster: String
    /// Dials under way, by host ID.
    private let dials = NIOLockedValueBox<[String: EventLoopFuture<Void>]>([:])

    init(registry: TunnelRegistry, group: any EventLoopGroup, credentials: TLSCredentials, cluster: String) throws(TetherError) {
        self.registry = registry
        self.group = group
        self.cluster = cluster
        do {
            let configuration = try TLSSettings.client(
                credentials: credentials,
                trustedCAPEMs: credentials.trustedCAPEMs,
                applicationProtocols: [ALPN.tunnel]
            )
            self.tls = try NIOSSLContext(configuration: configuration)
        } catch let error as TetherError {
            throw error
        } catch {
            throw TetherError(.internal, "cannot build the proxy's TLS client context: \(error).")
        }
    }

    func openStream(
        to route: NodeRoute,
        request: TunnelStreamRequest,
        on eventLoop: any EventLoop,
        initializer: @escaping @Sendable (Channel) throws -> Void
    ) -> EventLoopFuture<Channel> {
        if route.tunnel || registry.status(of: route.hostID) != nil {
            return registry.openStream(to: route.hostID, request: request, on: eventLoop, initializer: initializer)
                .flatMapErrorThrowing { error in
                    guard route.tunnel, (error as? TetherError)?.code == .unavailable else { throw error }
                    throw TetherError(.unavailable, "node \(route.name) is offline: its tunnel is not connected to this proxy.")
                }
        }
        return connection(to: route).hop(to: eventLoop).flatMap { _ in
            self.registry.openStream(to: route.hostID, request: request, on: eventLoop, initializer: initializer)
        }
    }

    /// The dial to a direct node, shared by every session that asks while
    /// it is under way: a burst of first sessions makes one connection.
    private func connection(to route: NodeRoute) -> EventLoopFuture<Void> {
        let registry = registry
        let (shared, started) = dials.withLockedValue { dials -> (EventLoopFuture<Void>, EventLoopPromise<Void>?) in
            if let dial = dials[route.hostID] { return (dial, nil) }
            // A dial that settled since the caller looked has adopted its connection already.
            if registry.status(of: route.hostID) != nil { return (group.any().makeSucceededVoidFuture(), nil) }
            let started = group.next().makePromise(of: Void.self)
            dials[route.hostID] = started.futureResult
            return (started.futureResult, started)
        }
        if let started {
            let dials = dials
            // Forgotten once settled: a failure is not remembered, the next session dials again.
            shared.whenComplete { _ in dials.withLockedValue { _ = $0.removeValue(forKey: route.hostID) } }
            dial(route).cascade(to: started)
        }
        return shared
    }

    /// Connects to a direct node and adopts the connection, so later
    /// sessions reuse it, only once its certificate proved it is the host
    /// it should be: a peer that fails the check is never adopted.
    private func dial(_ route: NodeRoute) -> EventLoopFuture<Void> {
        let eventLoop = group.next()
        guard let address = route.address, let target = try? HostPort(parsing: address) else {
            return eventLoop.makeFailedFuture(TetherError(.unavailable, "node \(route.name) has no address to reach it at; is it a tunnel node that lost its tunnel?"))
        }
        let tls = tls
        let registry = registry
        let expectedHost = route.hostID
        let server = ServerEndpoint(address, role: "node \(route.name)", setting: "its node.listen")
        // The node's certificate must name the host ID the cluster gave it, not just any name or address.
        let expected = ExpectedServer.node(route.hostID, of: cluster)
        let adopted = eventLoop.makePromise(of: Void.self)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(try ServerIdentityCheck.handlers(context: tls, expecting: expected, at: server))
                    try channel.pipeline.syncOperations.addHandler(AdoptWhenVerified(adopted: adopted) { channel in
                        try registry.adopt(channel: channel, peerID: expectedHost)
                    })
                }
            }
            .connect(host: target.host, port: target.port)
            .whenFailure { adopted.fail($0) }
        return adopted.futureResult.flatMapErrorThrowing { error in
            throw SocketFailure.reaching(server, error)
        }
    }
}

/// Behind `ServerIdentityCheck`, which passes the handshake's completion on
/// only for the server it expected: adopts the connection right then, in
/// the same event-loop turn, so the node's first HTTP/2 frames find the
/// multiplexer in place. A check that fails, or a connection that ends
/// first, fails `adopted` and nothing is adopted.
private final class AdoptWhenVerified: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private var adopted: EventLoopPromise<Void>?
    private let adopt: (Channel) throws -> Void

    init(adopted: EventLoopPromise<Void>, adopt: @escaping (Channel) throws -> Void) {
        self.adopted = adopted
        self.adopt = adopt
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case TLSUserEvent.handshakeCompleted = event, let adopted else {
            return context.fireUserInboundEventTriggered(event)
        }
        self.adopted = nil
        do {
            try adopt(context.channel)
        } catch {
            adopted.fail(error)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        adopted.succeed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(TetherError(.unavailable, "the connection closed before the node's TLS handshake completed."))
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        adopted?.fail(error)
        adopted = nil
    }
}
