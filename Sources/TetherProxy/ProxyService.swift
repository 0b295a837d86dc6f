import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import NIOPosix
import NIOSSL
import NIOTLS
import ServiceLifecycle
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport
import TetherTunnel

/// The proxy: one TCP port for everything. TLS connections are routed by
/// ALPN to the reverse-tunnel hub, to SSH routing, or to the HTTPS API; a
/// stock SSH client gets an SSH-level message telling it how to connect.
public struct ProxyService: Service {
    public let registry: TunnelRegistry
    private let configuration: ProxyConfiguration
    private let directorySource: any NodeDirectorySource
    private let federation: any FederationAuthority
    private let group: any EventLoopGroup
    private let logger: Logger
    private let onEvent: @Sendable (ProxyEvent) -> Void
    private let onListening: @Sendable (SocketAddress) -> Void
    /// Leaves whose tunnel just came up: each gets this cluster's lock set.
    private let linkedLeaves: AsyncStream<String>

    /// `onEvent` reports tunnels and leaf routing to the cluster's audit
    /// log; `onListening` tells the bound address (tests bind port 0).
    public init(
        configuration: ProxyConfiguration,
        directorySource: any NodeDirectorySource,
        federation: any FederationAuthority = NoFederation(),
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        onEvent: @escaping @Sendable (ProxyEvent) -> Void = { _ in },
        onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.directorySource = directorySource
        self.federation = federation
        self.group = eventLoopGroup
        self.logger = logger
        self.onEvent = onEvent
        self.onListening = onListening
        let (linkedLeaves, linked) = AsyncStream.makeStream(of: String.self)
        self.linkedLeaves = linkedLeaves
        self.registry = TunnelRegistry(keepalive: configuration.keepalive) { status, online in
            let peer = TunnelPeer(registryID: status.peerID)
            if online, case .leaf(let cluster) = peer { linked.yield(cluster) }
            if !online {
                logger.info("tunnel closed", metadata: ["peer": "\(status.peerID)", "reason": "\(status.closeReason ?? "?")"])
            }
            onEvent(.tunnel(peer, online: online, remoteAddress: status.remoteAddress, reason: status.closeReason))
        }
    }

    public func run() async throws {
        let tls = try makeServerTLS()
        let leaves = LeafDirectory(source: federation, registry: registry)
        let directory = NodeDirectory(
            source: directorySource, registry: registry, leaves: leaves, interval: configuration.directoryRefresh, logger: logger, onEvent: onEvent)
        let connector = try NodeConnector(registry: registry, group: group, credentials: configuration.credentials, cluster: configuration.clusterName)
        let forwarder = try AuthForwarder(
            authAddress: configuration.authAddress, clusterName: configuration.clusterName, credentials: configuration.credentials,
            registry: registry, leaves: leaves, eventLoopGroup: group)
        let logger = logger
        let guarding = ListenerGuard(listener: "the proxy", limits: configuration.limits) { logger.warning("\($0)") }
        let api = HTTP1Channel(
            responder: { request, writer, channel in
                try await forwarder.respond(to: request, writer: writer, channel: channel)
            },
            configuration: .init(
                additionalChannelHandlers: [guarding.deadline(from: .firstRequest) { (part: HTTPRequestPart) in if case .head = part { true } else { false } }],
                idleTimeout: configuration.limits.idleTimeout))
        let routes = ConnectionRoutes(
            tls: tls,
            clientCertificates: ClientCertificateCheck(
                ownCAs: try configuration.credentials.trustedCAPEMs.flatMap { pem throws(TetherError) in try PEMCoding.certificates(fromPEM: pem) },
                leaves: leaves, clock: SystemWallClock()),
            clusterName: configuration.clusterName,
            registry: registry,
            nodes: directory,
            leaves: leaves,
            api: api,
            guarding: guarding,
            onEvent: onEvent,
            ssh: SSHConnectHandler.Routing(
                clusterName: configuration.clusterName, directory: directory, connector: connector,
                leaves: LeafRelay(leaves: leaves, registry: registry), onEvent: onEvent,
                requestDeadline: TimeAmount(configuration.connectRequestDeadline)),
            logger: logger
        )
        let links = RootLinks(
            clusterName: configuration.clusterName, federation: federation, credentials: configuration.credentials,
            keepalive: configuration.keepalive, poll: configuration.directoryRefresh, group: group,
            makeRouter: { [configuration] root in
                RootStreamRouter(root: root, clusterName: configuration.clusterName, federation: federation,
                                 directory: directory, connector: connector, forwarder: forwarder)
            },
            logger: logger, onEvent: onEvent)
        let publisher = LeafLockPublisher(
            federation: federation, leaves: leaves, relay: LeafRelay(leaves: leaves, registry: registry),
            linkedLeaves: linkedLeaves, eventLoop: group.next(), logger: logger)
        // Know the cluster's nodes and leaves before the first user arrives.
        await directory.refresh()
        let serving: Result<Void, any Error>
        do {
            let server = try await bind(routes)
            try await serve(server: server, directory: directory, links: links, publisher: publisher, api: api)
            serving = .success(())
        } catch {
            serving = .failure(error)
        }
        await registry.closeAll()
        await forwarder.shutdown()
        try serving.get()
    }

    private func bind(_ routes: ConnectionRoutes) async throws -> NIOAsyncChannel<EventLoopFuture<ProxyConnection>, Never> {
        let server: NIOAsyncChannel<EventLoopFuture<ProxyConnection>, Never>
        do {
            server = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 1024)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.listenHost, port: configuration.listenPort) { channel in
                    // NIO registers the child only once this future completes, so
                    // hand over the (later) routing decision instead of waiting for it.
                    channel.eventLoop.makeSucceededFuture(routes.initialize(channel))
                }
        } catch {
            let address = HostPort(host: configuration.listenHost, port: configuration.listenPort).description
            throw SocketFailure.listening("the proxy", on: address, field: "proxy.listen", error)
        }
        if let address = server.channel.localAddress { onListening(address) }
        logger.info("proxy listening", metadata: ["address": "\(server.channel.localAddress.map { "\($0)" } ?? "?")"])
        return server
    }

    private func serve(
        server: NIOAsyncChannel<EventLoopFuture<ProxyConnection>, Never>,
        directory: NodeDirectory,
        links: RootLinks,
        publisher: LeafLockPublisher,
        api: HTTP1Channel
    ) async throws {
        let logger = logger
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { tasks in
                tasks.addTask { try await directory.run() }
                tasks.addTask { await links.run() }
                tasks.addTask { await publisher.run() }
                try await server.executeThenClose { connections in
                    for try await decision in connections {
                        tasks.addTask {
                            if case .api(let channel) = try? await decision.get() {
                                await api.handle(value: channel, logger: logger)
                            }
                        }
                    }
                }
            }
        }
    }

    private func makeServerTLS() throws(TetherError) -> NIOSSLContext {
        let settings = try TLSSettings.server(
            configuration.credentials,
            clientCertificates: .optional,
            applicationProtocols: [ALPN.tunnel, ALPN.ssh, ALPN.http]
        )
        do {
            return try NIOSSLContext(configuration: settings)
        } catch {
            throw TetherError(.internal, "cannot build the proxy's TLS context: \(error).")
        }
    }
}

/// Decides, per accepted connection, which handlers serve it.
private struct ConnectionRoutes: Sendable {
    let tls: NIOSSLContext
    let clientCertificates: ClientCertificateCheck
    let clusterName: String
    let registry: TunnelRegistry
    let nodes: NodeDirectory
    let leaves: LeafDirectory
    let api: HTTP1Channel
    let guarding: ListenerGuard
    let onEvent: @Sendable (ProxyEvent) -> Void
    let ssh: SSHConnectHandler.Routing
    let logger: Logger

    func initialize(_ channel: Channel) -> EventLoopFuture<ProxyConnection> {
        let decided = channel.eventLoop.makePromise(of: ProxyConnection.self)
        // Sniffing and the TLS handshake run against one deadline, up to
        // the hand-over; then each protocol's own deadlines apply.
        let deadline: ConnectionDeadlineHandler<ByteBuffer> = guarding.deadline(from: .handshake)
        let sniffer = ProtocolSniffer { detected, channel in
            switch detected {
            case .plainSSH:
                channel.pipeline.syncOperations.removeHandler(deadline, promise: nil)
                try channel.pipeline.syncOperations.addHandler(PlainSSHRefusal())
                decided.succeed(.handledByPipeline)
            case .tls:
                let negotiation = NIOTypedApplicationProtocolNegotiationHandler<ProxyConnection> { result, channel in
                    channel.pipeline.syncOperations.removeHandler(deadline, promise: nil)
                    return self.route(result, channel: channel)
                }
                let check = clientCertificates
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls) { chain, promise in
                    check.verify(chain, completing: promise)
                })
                try channel.pipeline.syncOperations.addHandler(negotiation)
                decided.completeWith(negotiation.protocolNegotiationResult)
            }
        }
        do {
            try channel.pipeline.syncOperations.addHandlers(guarding.admission(), deadline, sniffer)
        } catch {
            decided.fail(error)
        }
        // A connection that closes before saying anything still completes.
        channel.closeFuture.whenComplete { _ in decided.succeed(.handledByPipeline) }
        return decided.futureResult
    }

    private func route(_ result: ALPNResult, channel: Channel) -> EventLoopFuture<ProxyConnection> {
        switch result {
        case .negotiated(ALPN.tunnel):
            // Whether a node's host is still a node is a store read: off the event loop.
            let identity = Result { try PeerIdentity.of(channel) }
            let nodes = nodes
            return NIOThreadPool.singleton.runIfActive(eventLoop: channel.eventLoop) { () -> Bool in
                guard case .success(let peer?) = identity, peer.kind == .host, peer.cluster == clusterName else { return false }
                return try nodes.isNode(hostID: peer.name)
            }.flatMapThrowing { isNode in
                try adoptTunnel(channel, isNode: isNode)
                return .handledByPipeline
            }
        case .negotiated(ALPN.ssh):
            return channel.eventLoop.makeCompletedFuture {
                try SSHConnectHandler.install(on: channel, routing: ssh)
                return .handledByPipeline
            }
        default:
            return api.setup(channel: channel, logger: logger).map { .api($0) }
        }
    }

    /// Only a node of this cluster (`isNode`: one the inventory still holds),
    /// or the proxy of a leaf that trusts it, may hold a tunnel; certificates
    /// were already checked against the CA of the cluster they claim.
    private func adoptTunnel(_ channel: Channel, isNode: Bool) throws {
        guard let identity = try PeerIdentity.of(channel), identity.kind == .host else {
            try refuseTunnel(channel, peer: nil, "a tunnel needs a node certificate of cluster \(clusterName) or a proxy certificate of one of its leaves.")
        }
        if identity.cluster == clusterName, identity.roles.contains(ForwardedIdentity.nodeRole) {
            guard isNode else {
                try refuseTunnel(channel, peer: "\(identity)", "host \(identity.name) is no node of cluster \(clusterName) (removed with tetherctl rm node/NAME?); join it again with a new token.")
            }
            try registry.adopt(channel: channel, peerID: TunnelPeer.node(hostID: identity.name).registryID)
        } else if identity.cluster != clusterName, identity.roles.contains(ForwardedIdentity.proxyRole), leaves.leaf(named: identity.cluster) != nil {
            try registry.adopt(channel: channel, peerID: TunnelPeer.leaf(cluster: identity.cluster).registryID)
        } else {
            try refuseTunnel(channel, peer: "\(identity)", "\(identity) may not hold a tunnel to cluster \(clusterName).")
        }
    }

    private func refuseTunnel(_ channel: Channel, peer: String?, _ reason: String) throws -> Never {
        let remoteAddress = channel.remoteAddress?.ipAddress
        logger.warning("refused a tunnel", metadata: ["reason": "\(reason)", "peer": "\(remoteAddress ?? "?")"])
        onEvent(.tunnelRefused(peer: peer ?? "anonymous", reason: reason, remoteAddress: remoteAddress))
        // Hang up now: left open, the agent would wait for its keepalive to
        // notice before it tries again or reports the refusal.
        channel.close(promise: nil)
        throw TetherError(.accessDenied, reason)
    }
}
