import Foundation
import NIOCore
import NIOSSL
import TetherAPI
import TetherCore
import TetherTransport

/// The cluster's HTTPS API as the user reaches it: through the proxy, over
/// TLS verified against the cluster CA, with the user's client certificate.
struct ClusterAPI {
    let identity: ClientIdentity
    let eventLoopGroup: any EventLoopGroup

    /// Nodes the user may see (only those called `name`, when about to
    /// reach one). `cluster` also travels as `Tether-Cluster` so a root proxy
    /// can answer for a leaf. A leaf's answer is the leaf's word: a node
    /// under a name no cluster may give (a pattern, a marker, a control
    /// character for the terminal) is left out.
    func nodes(cluster: String, named name: String? = nil) async throws(TetherError) -> [NodeSummary] {
        let nodes: [NodeSummary] = try await get(name.map(NodeQuery.lookup) ?? APIPath.nodes, cluster: cluster)
        return nodes.filter { NodeName.isValid($0.name) }
    }

    /// The root cluster and its leaves, online or not.
    func clusters() async throws(TetherError) -> [ClusterSummary] {
        try await get(APIPath.clusters, cluster: nil)
    }

    func session(id: String, cluster: String) async throws(TetherError) -> SessionPlayback {
        guard let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])), !id.isEmpty else {
            throw TetherError(.invalidArgument, "\"\(id)\" is not a session ID; copy it from the audit log.")
        }
        return try await get(APIPath.sessions + "/" + escaped, cluster: cluster)
    }

    /// GET through the proxy; a `cluster` other than the proxy's own is relayed to that leaf.
    private func get<Response: Decodable>(_ path: String, cluster: String?) async throws(TetherError) -> Response {
        try await Self.withClient(
            server: identity.profile.proxy,
            tls: TLSSettings.client(credentials: identity.tlsCredentials, trustedCAPEMs: [identity.profile.clusterInfo.tlsCA]),
            expecting: .proxy(of: identity.profile.clusterInfo.cluster),
            eventLoopGroup: eventLoopGroup
        ) { (client: APIClient) async throws(TetherError) -> Response in
            try await client.get(path, headers: cluster.map { [SSHRouting.clusterHeader: $0] } ?? [:])
        }
    }

    /// Runs `body` with a client that is shut down afterwards, also on error.
    static func withClient<Result>(
        server: ServerEndpoint,
        tls: TLSConfiguration,
        expecting expected: ExpectedServer,
        eventLoopGroup: any EventLoopGroup,
        _ body: (APIClient) async throws(TetherError) -> Result
    ) async throws(TetherError) -> Result {
        let client = APIClient(server: server, tls: tls, expecting: expected, eventLoopGroup: eventLoopGroup)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
