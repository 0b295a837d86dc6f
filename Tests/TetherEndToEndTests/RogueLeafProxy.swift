import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TetherAPI
import TetherAuth
import TetherCore
import TetherIdentity
import TetherTestSupport
import TetherTransport
import TetherTunnel

/// A tenant's leaf gone rogue: `leaf` registered with `root` the ordinary
/// way (tetherctl create trusted_cluster), then its operator stopped its
/// tetherd and put this proxy in its place. It holds the leaf's tunnel to
/// the root with a proxy certificate of the leaf's own CA (whose keys the
/// tenant has) and answers every relayed API request with `answer`, bytes
/// of the tenant's choosing where the root expects an HTTP/1.1 response.
final class RogueLeafProxy: Sendable {
    /// A root `hub` (alice holds `acme-support`) and a tenant `evil` that
    /// registered as its leaf the ordinary way and whose own proxy was then
    /// stopped, so that a rogue proxy can take its tunnel.
    static func withTenantLeaf(_ body: (ClusterFixture, ClusterFixture) async throws -> Void) async throws {
        try await ClusterFixture(cluster: "hub", roles: FederationFixture.hubRoles, users: [("alice", "acme-support")], nodes: []).use { hub in
            try await ClusterFixture(cluster: "evil", roles: FederationFixture.leafRoles("site-support", customer: "acme"), users: [], nodes: []).use { evil in
                let token = try await hub.admin.token("trusted_cluster")
                let trust = ClusterBootstrap.trustedCluster(
                    root: "hub", token: token, proxyAddress: "127.0.0.1:\(hub.proxyPort)", caPin: hub.caPin,
                    roleMap: #"- {remote: "^acme-(.*)$", local: ["site-$1"]}"#, enabled: true)
                try ClusterBootstrap.expectSuccess(
                    try await evil.tetherctl(["create", try evil.directory.write(trust, to: "trusted-hub.yaml")]), "create trusted_cluster")
                await evil.kill("auth-proxy")
                try await body(hub, evil)
            }
        }
    }

    let answer: NIOLockedValueBox<String>
    private let agent: TunnelAgent
    private let running = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(leaf: ClusterFixture, root: ClusterFixture, answer: String) async throws {
        let authority = try ClusterAuthority.load(
            AuthorityFiles(dataDirectory: leaf.directory.path("auth")), cluster: leaf.cluster, clock: SystemWallClock())
        let key = P256.Signing.PrivateKey()
        let certificate = try authority.tlsCA.issueServerCertificate(
            hostID: "proxy", publicKey: key.publicKey, dnsNames: [], ipAddresses: ["127.0.0.1"],
            roles: [ForwardedIdentity.proxyRole], ttl: TimeSpan(seconds: 3600))
        let rootInfo = try await ClusterPinning.discover(
            ServerEndpoint("127.0.0.1:\(root.proxyPort)", role: "the root cluster's proxy", setting: "the test"),
            expecting: .pin(try CAPin(parsing: root.caPin)), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let credentials = TLSCredentials(
            certificatePEM: try PEMCoding.pem(of: certificate), privateKeyPEM: PEMCoding.pem(of: key), trustedCAPEMs: [authority.tlsCAPEM])
        let configuration = TunnelAgentConfiguration(
            proxyHost: "127.0.0.1", proxyPort: Int(root.proxyPort), keepalive: KeepalivePolicy(interval: .seconds(1)),
            secureTransport: try TunnelTLS.dialler(
                credentials: credentials, trustedCAPEMs: [rootInfo.tlsCA], expecting: .proxy(of: rootInfo.cluster),
                at: ServerEndpoint("127.0.0.1:\(root.proxyPort)", role: "the root cluster's proxy", setting: "the test")))
        let answer = NIOLockedValueBox(answer)
        self.answer = answer
        agent = TunnelAgent(
            configuration: configuration, group: MultiThreadedEventLoopGroup.singleton,
            router: Router(answer: answer), logger: Logger(label: "rogue-leaf"))
    }

    func start() {
        let agent = agent
        running.withLockedValue { $0 = Task { await agent.run() } }
    }

    func stop() async {
        guard let task = running.withLockedValue({ $0 }) else { return }
        task.cancel()
        await task.value
    }

    /// Answers every API stream at once, without reading the request; refuses anything else.
    private struct Router: ImmediateTunnelStreamRouter {
        let answer: NIOLockedValueBox<String>

        func decide(_ request: TunnelStreamRequest) throws -> TunnelStreamService {
            guard request.path == APIRelay.streamPath else {
                throw TetherError(.notFound, "the rogue leaf serves API requests only.")
            }
            let bytes = answer.withLockedValue { ByteBuffer(string: $0) }
            return { stream in
                stream.writeAndFlush(bytes).flatMap { stream.close(mode: .output) }.whenComplete { _ in }
            }
        }
    }
}
