import Foundation
import TetherTestSupport
import Logging
import NIOCore
import NIOPosix
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage
import TetherTunnel
@testable import TetherNode

/// A node's SSH stack wired to a real tunnel on 127.0.0.1: a hub (the
/// proxy's side, `TunnelRegistry`) and the node's `TunnelAgent` serving the
/// node router. Tests open `/v1/ssh` streams through the hub like the proxy.
final class NodeFixture: Sendable {
    static let peerID = "node-host-1"
    static let nodeName = "robot-17"
    static let cluster = "acme"

    let directory: TemporaryDirectory
    let group: MultiThreadedEventLoopGroup
    let userCA: SSHCertificateAuthority
    let hostKey: SSHPrivateKey
    let spool: AuditSpool
    let labels: NodeLabels
    let policy: AccessPolicyCache
    let server: NodeSSHServer
    let registry: TunnelRegistry
    private let hub: Channel
    private let agentTask: Task<Void, Never>
    /// Writes what the node's sessions queue for the spool (NodeService runs it in the daemon).
    private let auditTask: Task<Void, any Error>

    init(
        labels: Labels = ["env": "dev", "customer": "acme"],
        roles: [Role] = [NodeFixture.role()],
        locks: [TetherPolicy.Lock] = [],
        clock: any WallClock = SystemWallClock(),
        onSpoolFailure: AuditFailurePolicy = .refuse
    ) async throws {
        directory = try TemporaryDirectory()
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        userCA = SSHCertificateAuthority(signingKey: .generate(.ed25519), clock: clock)
        hostKey = .generate(.ed25519)
        spool = try AuditSpool(path: directory.path("spool.sqlite"))
        self.labels = NodeLabels(configured: labels)
        policy = try AccessPolicyCache(file: directory.path("access-policy.json"))
        try policy.update(try Self.snapshot(roles: roles, locks: locks))
        let logger = Logger(label: "test.node")
        let auditor = NodeAuditor(
            cluster: Self.cluster, nodeName: Self.nodeName, labels: self.labels, spool: spool, clock: clock, logger: logger,
            onSpoolFailure: onSpoolFailure)
        let gate = LoginGate(userCAs: [userCA.publicKey], policy: policy, accounts: LoginAccounts(), clock: clock)
        server = NodeSSHServer(hostKey: hostKey, gate: gate, auditor: auditor)
        auditTask = Task { try await auditor.sink.run() }

        let registry = TunnelRegistry()
        self.registry = registry
        hub = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try registry.adopt(channel: channel, peerID: NodeFixture.peerID) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let agent = TunnelAgent(
            configuration: TunnelAgentConfiguration(
                proxyHost: "127.0.0.1", proxyPort: hub.localAddress?.port ?? 0,
                backoff: ReconnectBackoff(initial: .milliseconds(20), cap: .milliseconds(200)),
                secureTransport: { _ in }
            ),
            group: group, router: server.router, logger: logger
        )
        agentTask = Task { await agent.run() }
        let connected = await eventually { registry.status(of: NodeFixture.peerID) != nil }
        guard connected else { throw TetherError(.unavailable, "the node's tunnel did not come up.") }
    }

    func shutdown() async {
        agentTask.cancel()
        await registry.closeAll()
        try? await hub.close()
        await agentTask.value
        auditTask.cancel()
        _ = await auditTask.result
        try? await group.shutdownGracefully()
        directory.remove()
    }

    /// A user key and a certificate for it from this fixture's user CA.
    func issue(
        user: String = "alice", roles: [String] = ["ops"], logins: [String] = ["root"],
        key: SSHPrivateKey = .generate(.ed25519), ttl: TimeSpan = .hours(1),
        permissions: OpenSSHPermissions = [.pty], by authority: SSHCertificateAuthority? = nil
    ) throws -> (key: SSHPrivateKey, certificate: SSHCertificate) {
        let identity = TetherCertificateIdentity(user: user, cluster: Self.cluster, roles: roles)
        let certificate = try (authority ?? userCA).issueUserCertificate(
            for: key.publicKey, identity: identity, principals: logins, ttl: ttl, permissions: permissions)
        return (key, certificate)
    }

    /// Opens `/v1/ssh` through the hub (as the proxy does) and starts an SSH client on it.
    func connect(login: String, key: SSHPrivateKey, certificate: SSHCertificate?) async throws -> SSHTestConnection {
        let hostKey = hostKey.publicKey
        let request = ResourceStreamRequest(kind: .ssh, resource: Self.nodeName, certificate: certificate?.authorizedKeyLine(), clientAddress: "203.0.113.7:51515").tunnelRequest
        let stream = try await registry.openStream(to: Self.peerID, request: request, on: group.any()) { channel in
            try SSHTestConnection.install(on: channel, login: login, key: key, expectedHostKey: hostKey)
        }.get()
        return SSHTestConnection(stream: stream)
    }

    /// Spool events of one type, oldest first.
    /// The spool's events of `type`, once what the node queued before is written.
    func events(_ type: String) async throws -> [AuditEvent] {
        await server.auditor.sink.written()
        return try spool.store.search(AuditQuery(types: [type])).map(\.event)
    }

    static func role(
        name: String = "ops", logins: [String] = ["root"], nodeLabels: LabelSelector = ["env": ["dev"]],
        denyLabels: LabelSelector = [:], portForwarding: Bool? = nil
    ) -> Role {
        Role(name: name, spec: RoleSpec(
            allow: RoleConditions(logins: logins, nodeLabels: nodeLabels),
            deny: RoleConditions(nodeLabels: denyLabels),
            options: RoleOptions(portForwarding: portForwarding)
        ))
    }

    static func snapshot(roles: [Role], locks: [TetherPolicy.Lock] = []) throws -> AccessPolicySnapshot {
        AccessPolicySnapshot(
            roles: try roles.map { String(decoding: try ResourceEncoder.storageJSON(.role($0)), as: UTF8.self) },
            locks: try locks.map { String(decoding: try ResourceEncoder.storageJSON(.lock($0)), as: UTF8.self) },
            generatedAt: "2030-01-01T00:00:00Z"
        )
    }
}
