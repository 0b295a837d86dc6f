import NIOCore
import TetherAPI
import TetherCore
import TetherTransport

/// `NodeClusterAPI` over HTTPS with the node's TLS identity.
public final class ClusterAPIClient: NodeClusterAPI {
    private let client: APIClient

    public init(server: HostPort, identity: NodeIdentity, eventLoopGroup: any EventLoopGroup) throws(TetherError) {
        let tls = try TLSSettings.client(
            credentials: identity.tlsCredentials,
            trustedCAPEMs: [identity.record.clusterInfo.tlsCA],
            applicationProtocols: [ALPN.http]
        )
        client = APIClient(address: server.description, tls: tls, eventLoopGroup: eventLoopGroup)
    }

    public func heartbeat(_ heartbeat: Heartbeat) async throws(TetherError) {
        let _: IgnoredBody = try await client.post(APIPath.heartbeat, body: heartbeat)
    }

    public func accessPolicy() async throws(TetherError) -> AccessPolicySnapshot {
        try await client.get(APIPath.accessPolicy)
    }

    public func uploadAudit(_ upload: AuditUpload) async throws(TetherError) -> AuditUploadResponse {
        try await client.post(APIPath.auditEvents, body: upload)
    }

    public func shutdown() async { await client.shutdown() }
}

/// An answer whose content does not matter (any JSON object).
private struct IgnoredBody: Decodable {}
