import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TetherCore
import TetherIdentity
import TetherTransport
import TetherTunnel

/// The node service of `tetherd`: joins its cluster on first start (or
/// loads its identity), then, until shut down, keeps itself reachable
/// (reverse tunnel to its proxy, or a listener for the proxy), serves SSH
/// sessions, sends heartbeats, refreshes command labels and its access
/// policy, delivers its audit spool and renews its host certificates.
public struct NodeService: Service {
    public let configuration: NodeConfiguration
    private let group: any EventLoopGroup
    private let clock: any WallClock
    private let logger: Logger

    public init(
        configuration: NodeConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "tether.node")
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.clock = clock
        self.logger = logger
    }

    /// Runs until cancelled or a graceful shutdown; throws only if the node
    /// cannot start (no identity and no way to join, bad files, port taken).
    public func run() async throws {
        let files = NodeFiles(directory: configuration.nodeDirectory)
        try SecureFile.makePrivateDirectory(files.directory)
        let identity: NodeIdentity
        if let existing = try NodeIdentity.load(from: files) {
            let expiry = try existing.tlsValidity().upperBound
            guard expiry > clock.now() else {
                throw TetherError(.expired, "the host certificates of node \(configuration.name) expired at \(expiry.ISO8601Format()), while it could not renew them; remove \(files.directory) and start it with a new join_token.")
            }
            identity = existing
        } else {
            identity = try await NodeJoiner.join(configuration, eventLoopGroup: group)
            logger.info("node joined the cluster", metadata: ["cluster": "\(identity.record.cluster)", "host_id": "\(identity.record.hostID)"])
        }
        let labels = NodeLabels(configured: configuration.labels, fromToken: identity.record.tokenLabels)
        let policy = try AccessPolicyCache(file: files.accessPolicy)
        let spool = try AuditSpool(path: files.spool, clock: clock)
        let auditor = NodeAuditor(
            cluster: identity.record.cluster, nodeName: configuration.name, labels: labels, spool: spool, clock: clock, logger: logger,
            onSpoolFailure: configuration.onSpoolFailure)
        try auditor.closeInterruptedSessions()
        let server = NodeSSHServer(
            hostKey: identity.sshHostKey,
            gate: LoginGate(userCAs: try identity.userCAKeys(), policy: policy, accounts: LoginAccounts(), clock: clock),
            auditor: auditor
        )
        let credentials = try NodeCredentials(identity, server: configuration.apiServer)
        let api = try ClusterAPIClient(server: configuration.apiServer, identity: identity, eventLoopGroup: group)
        let renewal = HostCertificateRenewal(
            credentials: credentials, api: api, files: files,
            addresses: NodeJoiner.certificateAddresses(configuration.reachability), clock: clock, logger: logger)
        let presence = PresenceLoops(
            configuration: configuration, identity: identity, labels: labels, policy: policy, sessions: server.openSessions, api: api, logger: logger)
        let delivery = AuditDelivery(spool: spool, api: api, hostID: identity.record.hostID, batchSize: configuration.auditBatchSize)

        do {
            // Labels and policy first, so the first heartbeat and login see them.
            let initialPolicy = await presence.refreshAccessPolicy()
            for (key, label) in configuration.commandLabels { await presence.refresh(key, label) }
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await serveReachability(credentials: credentials, router: server.router) }
                    tasks.addTask { await renewal.run() }
                    tasks.addTask { await presence.runHeartbeats() }
                    tasks.addTask { await presence.runAccessPolicyWatch(from: initialPolicy?.generation) }
                    tasks.addTask { await presence.runCommandLabels() }
                    tasks.addTask { await delivery.run(logger: logger) }
                    // Writes what sessions queue for the spool, off their event loops.
                    tasks.addTask { try await auditor.sink.run() }
                    // Not waitForAll, which waits for every loop before
                    // rethrowing: the listener's failure ends the node now.
                    for try await _ in tasks {}
                }
            }
        } catch is CancellationError {
            // A normal shutdown.
        } catch {
            await api.shutdown()
            throw error
        }
        await api.shutdown()
    }

    /// Keeps the node reachable until cancelled.
    private func serveReachability(credentials: NodeCredentials, router: any TunnelStreamRouter) async throws {
        switch configuration.reachability {
        case .tunnel(let proxy):
            let agent = TunnelAgent(
                configuration: TunnelAgentConfiguration(
                    proxyHost: proxy.host, proxyPort: proxy.port,
                    keepalive: configuration.keepalive, backoff: configuration.backoff,
                    secureTransport: credentials.secureTunnel
                ),
                group: group, router: router, logger: logger,
                onEvent: { [logger] event in
                    guard case .connectFailed(let error) = event else {
                        return logger.info("tunnel", metadata: ["event": "\(event)"])
                    }
                    logger.info("tunnel", metadata: ["event": "connect failed: \(SocketFailure.reaching(NodeConfiguration.proxy(proxy), error))"])
                }
            )
            await agent.run()
        case .direct(_, let listen):
            let listener: Channel
            do {
                listener = try await DirectListener.bind(listen, credentials: credentials, router: router, keepalive: configuration.keepalive, group: group)
            } catch {
                throw SocketFailure.listening("node \(configuration.name)", on: listen.description, field: "node.listen", error)
            }
            logger.info("node listening for the proxy", metadata: ["address": "\(listener.localAddress?.description ?? listen.description)"])
            await withTaskCancellationHandler {
                _ = try? await listener.closeFuture.get()
            } onCancel: {
                listener.close(promise: nil)
            }
        }
    }
}
