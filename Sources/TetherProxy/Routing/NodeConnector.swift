import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import TetherAPI
import TetherCore
import TetherTransport
import TetherTunnel

/// Opens streams to nodes, whichever way they are reached: through the
/// reverse tunnel a tunnel node keeps, or over a connection the proxy dials
/// to a direct node and keeps in the same registry (the node serves HTTP/2 on
/// it exactly as on a tunnel).
final class NodeConnector: Sendable {
    let registry: TunnelRegistry
    private let group: any EventLoopGroup
    private let tls: NIOSSLContext
    /// This proxy's cluster, whose direct nodes it dials.
    private let cluster: String

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
        return dial(route, on: eventLoop).flatMap { _ in
            self.registry.openStream(to: route.hostID, request: request, on: eventLoop, initializer: initializer)
        }
    }

    /// Connects to a direct node, checks it is the host it should be, and
    /// adopts the connection so later sessions reuse it.
    private func dial(_ route: NodeRoute, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let address = route.address, let target = try? HostPort(parsing: address) else {
            return eventLoop.makeFailedFuture(TetherError(.unavailable, "node \(route.name) has no address to reach it at; is it a tunnel node that lost its tunnel?"))
        }
        let tls = tls
        let registry = registry
        let expectedHost = route.hostID
        let server = ServerEndpoint(address, role: "node \(route.name)", setting: "its node.listen")
        // The node's certificate must name the host ID the cluster gave it, not just any name or address.
        let expected = ExpectedServer.node(route.hostID, of: cluster)
        return ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(try ServerIdentityCheck.handlers(context: tls, expecting: expected, at: server))
                    try registry.adopt(channel: channel, peerID: expectedHost)
                }
            }
            .connect(host: target.host, port: target.port)
            .map { _ in () }
            .flatMapErrorThrowing { error in
                throw SocketFailure.reaching(server, error)
            }
            .hop(to: eventLoop)
    }
}
