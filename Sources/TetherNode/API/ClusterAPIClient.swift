import NIOConcurrencyHelpers
import NIOCore
import TetherAPI
import TetherCore
import TetherTransport

/// `NodeClusterAPI` over HTTPS with the node's TLS identity.
public final class ClusterAPIClient: NodeClusterAPI {
    private let server: ServerEndpoint
    private let eventLoopGroup: any EventLoopGroup
    /// The client with the current certificate, and those it replaced
    /// (requests may still be under way on them; all end at shutdown).
    private let clients: NIOLockedValueBox<(current: APIClient, retired: [APIClient])>

    public init(server: ServerEndpoint, identity: NodeIdentity, eventLoopGroup: any EventLoopGroup) throws(TetherError) {
        self.server = server
        self.eventLoopGroup = eventLoopGroup
        clients = NIOLockedValueBox((try Self.client(server, identity, eventLoopGroup), []))
    }

    /// Later calls present `identity`'s certificate (after a renewal).
    public func use(_ identity: NodeIdentity) throws(TetherError) {
        let next = try Self.client(server, identity, eventLoopGroup)
        clients.withLockedValue { $0 = (next, $0.retired + [$0.current]) }
    }

    private var client: APIClient { clients.withLockedValue { $0.current } }

    public func heartbeat(_ heartbeat: Heartbeat) async throws(TetherError) {
        let _: IgnoredBody = try await client.post(APIPath.heartbeat, body: heartbeat)
    }

    public func accessPolicy(after generation: Int64?) async throws(TetherError) -> AccessPolicySnapshot {
        try await client.get(APIPath.accessPolicy + (generation.map { "?\(AccessPolicyQuery.after)=\($0)" } ?? ""))
    }

    public func uploadAudit(_ upload: AuditUpload) async throws(TetherError) -> AuditUploadResponse {
        try await client.post(APIPath.auditEvents, body: upload)
    }

    public func renewHost(_ request: HostRenewalRequest) async throws(TetherError) -> HostRenewalResponse {
        try await client.post(APIPath.renewHost, body: request)
    }

    public func shutdown() async {
        let all = clients.withLockedValue { [$0.current] + $0.retired }
        for client in all { await client.shutdown() }
    }

    private static func client(_ server: ServerEndpoint, _ identity: NodeIdentity, _ group: any EventLoopGroup) throws(TetherError) -> APIClient {
        let tls = try TLSSettings.client(
            credentials: identity.tlsCredentials,
            trustedCAPEMs: [identity.record.clusterInfo.tlsCA],
            applicationProtocols: [ALPN.http]
        )
        // A tunnel node's API server is the proxy, a direct node's the auth service: either of its own cluster.
        return APIClient(server: server, tls: tls, expecting: .proxyOrAuth(of: identity.record.clusterInfo.cluster), eventLoopGroup: group)
    }
}

/// An answer whose content does not matter (any JSON object).
private struct IgnoredBody: Decodable {}
