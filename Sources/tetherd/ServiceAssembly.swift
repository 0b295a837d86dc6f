import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import TetherAPI
import TetherAuth
import TetherConfig
import TetherCore
import TetherIdentity
import TetherNode
import TetherPolicy
import TetherProxy
import TetherTransport
import TetherStorage
import TetherTunnel

/// Builds the services a configuration enables, wiring the co-located ones
/// together: the proxy gets its identity and node directory from the auth
/// service beside it, and reports tunnels to that auth service's audit log.
struct ServiceAssembly {
    let configuration: TetherdConfiguration
    let workingDirectory: URL
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    /// The descriptor limit tetherd runs with (see `DescriptorLimit`).
    let descriptorLimit: Int

    private var dataDirectory: String { configuration.dataDirectory(relativeTo: workingDirectory).path }

    func services() throws(TetherError) -> [any Service] {
        var services: [any Service] = []
        var auth: AuthService?
        if let section = configuration.auth, section.enabled, let cluster = configuration.cluster {
            let service = try AuthService(
                configuration: .init(
                    cluster: cluster,
                    dataDirectory: dataDirectory,
                    listen: section.listen,
                    secondFactor: section.secondFactor == .otp ? .otp : .off,
                    proxyPublicAddress: configuration.proxy?.publicAddr ?? configuration.proxy?.listen,
                    passwordCost: .scrypt(costExponent: section.passwordCost),
                    limits: connectionLimits(section.limits),
                    throttle: LoginThrottle.Policy(maximumFailuresPerAddress: section.loginFailuresPerAddress),
                    loginThreads: section.loginThreads,
                    loginQueue: section.loginQueue
                ),
                logger: Logger(label: "tether.auth")
            )
            auth = service
            services.append(service)
        }
        if let section = configuration.proxy, section.enabled, let auth {
            // Listed before the proxy (the group stops services in reverse
            // order), so it writes what the proxy queued before it returns.
            let audit = ProxyAudit.sink(core: auth.core, logger: Logger(label: "tether.proxy.audit"))
            services.append(audit)
            services.append(try proxy(section, auth: auth, audit: audit))
        }
        if let section = configuration.node, section.enabled {
            services.append(NodeService(
                configuration: try node(section),
                eventLoopGroup: eventLoopGroup,
                logger: Logger(label: "tether.node")
            ))
        }
        return services
    }

    private func proxy(_ section: ProxySection, auth: AuthService, audit: AuditSink<ProxyReport>) throws(TetherError) -> ProxyService {
        let listen = try HostPort(parsing: section.listen, listening: true)
        var addresses = [listen.host]
        if let publicAddr = section.publicAddr { addresses.append(try HostPort(parsing: publicAddr).host) }
        let identity = try auth.issueServiceIdentity(role: ForwardedIdentity.proxyRole, name: "proxy", addresses: addresses)
        let core = auth.core
        let logger = Logger(label: "tether.proxy")
        return ProxyService(
            configuration: ProxyConfiguration(
                clusterName: core.cluster,
                listenHost: listen.host,
                listenPort: listen.port,
                credentials: identity.credentials,
                authAddress: auth.configuration.listen,
                keepalive: KeepalivePolicy(interval: .seconds(section.keepaliveInterval.seconds)),
                limits: connectionLimits(section.limits)
            ),
            directorySource: AuthNodeDirectory(core: core),
            federation: AuthFederation(core: core),
            eventLoopGroup: eventLoopGroup,
            logger: logger,
            // Tunnel callbacks and CONNECT handling run on event loops: they only queue.
            onEvent: { event in audit.enqueue(ProxyReport(event: event, time: core.clock.now())) }
        )
    }

    /// A listener's limits as configured; its connection cap by default a
    /// share of the descriptor limit.
    private func connectionLimits(_ section: ListenerLimitsSection) -> ConnectionLimits {
        ConnectionLimits(
            handshakeTimeout: .seconds(section.handshakeTimeout.seconds),
            firstRequestTimeout: .seconds(section.requestTimeout.seconds),
            idleTimeout: .seconds(section.idleTimeout.seconds),
            maximumPerAddress: section.maxConnectionsPerAddress,
            maximumTotal: section.maxConnections ?? DescriptorLimit.defaultConnectionCap(descriptorLimit))
    }

    private func node(_ section: NodeSection) throws(TetherError) -> NodeConfiguration {
        let reachability: NodeConfiguration.Reachability
        if let proxyServer = section.proxyServer {
            reachability = .tunnel(proxyServer: try HostPort(parsing: proxyServer))
        } else if let authServer = section.authServer, let listen = section.listen {
            reachability = .direct(authServer: try HostPort(parsing: authServer), listen: try HostPort(parsing: listen, listening: true))
        } else {
            throw TetherError(.invalidArgument, "node needs proxy_server, or auth_server and listen.")
        }
        return NodeConfiguration(
            name: section.name,
            labels: section.labels,
            commandLabels: section.commandLabels.mapValues { CommandLabel(command: $0.command, period: .seconds($0.period.seconds)) },
            dataDirectory: dataDirectory,
            reachability: reachability,
            joinToken: section.joinToken,
            firstContact: try section.caPin.map { pin throws(TetherError) in .pin(try CAPin(parsing: pin)) },
            keepalive: KeepalivePolicy(interval: .seconds(section.keepaliveInterval.seconds)),
            backoff: ReconnectBackoff(cap: .seconds(section.maxBackoff.seconds)),
            onSpoolFailure: section.audit.onSpoolFailure == .refuse ? .refuse : .proceed
        )
    }
}

/// The proxy's node directory, read from the auth service's inventory and
/// roles in the same process.
struct AuthNodeDirectory: NodeDirectorySource {
    let core: AuthCore

    func nodeRoutes() throws -> [NodeRoute] {
        try core.resources.nodes().compactMap { node in
            guard let hostID = node.spec.hostID else { return nil }
            return NodeRoute(name: node.name, hostID: hostID, labels: node.metadata.labels, tunnel: node.spec.tunnel, address: node.spec.addr)
        }
    }

    func visibleHostIDs(user: String, roles: [String]) throws -> Set<String> {
        Set(try core.presence.visibleNodes(user: user, roles: roles).compactMap(\.spec.hostID))
    }

    func isNode(hostID: String) throws -> Bool {
        try core.resources.node(hostID: hostID) != nil
    }
}

/// The proxy's view of trusted clusters, read from (and certificates
/// translated by) the auth service in the same process.
struct AuthFederation: FederationAuthority {
    let core: AuthCore

    func leafClusters() throws -> [LeafCluster] {
        try core.leaves.leaves().map { leaf in
            LeafCluster(name: leaf.name, tlsCAPEMs: try core.leaves.tlsCAPEMs(of: leaf.name), lastSeen: leaf.spec.lastSeen)
        }
    }

    func trustedRoots() throws -> [TrustedRoot] {
        try core.trusts.list().map { trust in
            TrustedRoot(name: trust.name, proxyAddress: trust.spec.proxyAddr, enabled: trust.spec.enabled,
                        tlsCAPEMs: try core.trusts.rootTLSCAPEMs(trust.name))
        }
    }

    func translateSSHCertificate(_ line: String, from root: String, clientAddress: String?) throws -> String {
        try core.translator.translateSSH(line, from: root, clientAddress: clientAddress)
    }

    func translateTLSCertificate(_ der: [UInt8], from root: String, clientAddress: String?, listing: Bool) async throws -> [UInt8] {
        try await core.translator.translateTLS(der, from: root, clientAddress: clientAddress, listing: listing)
    }

    func lockSetForLeaves() throws -> RootLockSet {
        try core.rootLocks.lockSet()
    }

    func waitForPolicyChange(from generation: Int64, limit: Duration) async {
        await core.policyWatch.waitForChange(from: generation, limit: limit)
    }

    func applyRootLocks(_ set: RootLockSet, from root: String) throws -> Int {
        try core.rootLocks.apply(set, from: root)
    }
}

/// A proxy event and when it happened (the sink writes it a moment later).
struct ProxyReport: Sendable {
    var event: ProxyEvent
    var time: Date
}

/// Writes what the proxy reports to the cluster's audit log.
struct ProxyAudit {
    let core: AuthCore

    /// Where the proxy's event loops hand their reports, written off them.
    static func sink(core: AuthCore, logger: Logger) -> AuditSink<ProxyReport> {
        AuditSink(label: "proxy audit", clock: core.clock, logger: logger) { reports, loss throws(TetherError) in
            try ProxyAudit(core: core).write(reports, loss: loss)
        }
    }

    /// Writes `reports` in one transaction, after an `audit.lost` for `loss`.
    func write(_ reports: [ProxyReport], loss: AuditLoss?) throws(TetherError) {
        var events = try reports.map { report throws(TetherError) in try event(report.event, at: report.time) }
        if let loss { events.insert(loss.event(cluster: core.cluster, at: core.clock.now()), at: 0) }
        try core.audit.log.append(events)
        for report in reports {
            if case .tunnel(.leaf(let cluster), _, _, _) = report.event { try core.leaves.markSeen(cluster) }
        }
    }

    private func event(_ report: ProxyEvent, at time: Date) throws(TetherError) -> AuditEvent {
        var event = AuditEvent(event: "", time: time, cluster: core.cluster)
        switch report {
        case .tunnel(let peer, let online, let remoteAddress, let reason):
            event.event = online ? "tunnel.connect" : "tunnel.disconnect"
            event.remoteAddr = remoteAddress
            if let reason { event.fields["reason"] = .string(reason) }
            switch peer {
            case .node(let hostID):
                // The table of `tetherctl audit search` names the node, not just its host ID.
                event.node = try core.resources.node(hostID: hostID)?.name
                event.fields["host_id"] = .string(hostID)
            case .leaf(let cluster): event.fields["leaf_cluster"] = .string(cluster)
            }
        case .rootLink(let cluster, let online, let reason):
            event.event = online ? "tunnel.connect" : "tunnel.disconnect"
            event.fields["root_cluster"] = .string(cluster)
            if let reason { event.fields["reason"] = .string(reason) }
        case .routedToLeaf(let user, let cluster, let node, let clientAddress):
            event.event = "proxy.route"
            event.user = user
            event.node = node
            event.remoteAddr = clientAddress
            event.fields["target_cluster"] = .string(cluster)
        case .nodeRefused(let user, let node, let reason, let originCluster, let clientAddress):
            event.event = AuthEvent.authFailed
            event.user = user
            event.remoteAddr = clientAddress
            event.fields["reason"] = .string(reason)
            event.node = node
            event.originCluster = originCluster
        case .tunnelRefused(let peer, let reason, let remoteAddress):
            event.event = AuthEvent.authFailed
            event.remoteAddr = remoteAddress
            event.fields["reason"] = .string(reason)
            event.fields["tunnel_peer"] = .string(peer)
        }
        return event
    }
}
