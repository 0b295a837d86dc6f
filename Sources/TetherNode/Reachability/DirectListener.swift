import NIOCore
import NIOPosix
import NIOSSL
import TetherAPI
import TetherCore
import TetherTransport
import TetherTunnel

/// A direct node's listener: mutual TLS with the node's host certificate,
/// only proxies of its cluster admitted, then the same tunnel serving (an
/// HTTP/2 server whose streams go to the node router) as over a tunnel.
enum DirectListener {
    static func bind(
        _ address: HostPort, credentials: NodeCredentials, router: any TunnelStreamRouter,
        keepalive: KeepalivePolicy, group: any EventLoopGroup
    ) async throws -> Channel {
        let cluster = credentials.identity.record.cluster
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLServerHandler(context: credentials.listenerContext))
                    try sync.addHandler(ProxyOnlyGate(cluster: cluster))
                    try TunnelServing.configure(channel: channel, router: router, keepalive: keepalive)
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }
}
