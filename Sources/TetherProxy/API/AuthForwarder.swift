import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdCore
import NIOHTTPTypes
import NIOCore
import NIOHTTP1
import NIOSSL
import TetherAPI
import TetherCore
import TetherTransport
import TetherTunnel

/// An API answer on its way back to the caller.
struct APIAnswer: Sendable {
    var status: Int
    var contentType: String?
    var body: ByteBuffer
}

/// The proxy's HTTPS API: every `/v1/` request is passed to the auth
/// service, which decides. The caller's verified client certificate travels
/// in `Tether-Forwarded-Certificate` (any such header the caller sent is
/// dropped first), so the auth service knows who asked. The proxy adds only
/// what it alone knows: which tunnels are up right now. A request naming a
/// leaf cluster in `Tether-Cluster` is relayed to that leaf instead.
struct AuthForwarder: Sendable {
    private let client: HTTPClient
    private let auth: ServerEndpoint
    private let clusterName: String
    private let registry: TunnelRegistry
    private let leaves: LeafDirectory
    private let relay: LeafRelay
    static let maximumBody = APIRelay.maximumBody
    private static let passedHeaders = ["accept", "user-agent"]

    init(
        authAddress: String, clusterName: String, credentials: TLSCredentials,
        registry: TunnelRegistry, leaves: LeafDirectory, eventLoopGroup: any EventLoopGroup
    ) throws(TetherError) {
        let tls = try TLSSettings.client(credentials: credentials, trustedCAPEMs: credentials.trustedCAPEMs, applicationProtocols: [ALPN.http])
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.httpVersion = .http1Only
        let auth = ServerEndpoint(authAddress, role: "the auth service", setting: "auth.listen")
        configuration.requireServer(.auth(of: clusterName), at: auth)
        self.client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        self.auth = auth
        self.clusterName = clusterName
        self.registry = registry
        self.leaves = leaves
        self.relay = LeafRelay(leaves: leaves, registry: registry)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    func respond(to request: Request, writer: consuming ResponseWriter, channel: any Channel) async throws {
        var request = request
        let answer: APIAnswer
        do {
            let body = try await request.collectBody(upTo: Self.maximumBody)
            let certificate = try await Self.peerCertificateDER(of: channel)
            let contentType = request.headers[.contentType]
            let clientAddress = channel.remoteAddress?.ipAddress
            if let cluster = request.headers[HTTPField.Name(SSHRouting.clusterHeader)!], !cluster.isEmpty, cluster != clusterName {
                guard let certificate else {
                    throw TetherError(.accessDenied, "requests for cluster \(cluster) need your certificate; run tether login first.")
                }
                let relayed: APIRelay.Request
                do {
                    relayed = try APIRelay.Request(method: request.method.rawValue, uri: request.uri.description, contentType: contentType,
                                                   certificateDER: certificate, clientAddress: clientAddress)
                } catch {
                    throw TetherError(.invalidArgument, "this request cannot be relayed to cluster \(cluster): \(error.clause); make the request with tether, whose requests always can be.")
                }
                answer = try await relay.relay(relayed, body: body, to: cluster, on: channel.eventLoop)
            } else {
                var headers: [String: String] = [:]
                for name in Self.passedHeaders {
                    if let field = HTTPField.Name(name), let value = request.headers[field] { headers[name] = value }
                }
                answer = try await forward(method: request.method.rawValue, uri: request.uri.description, contentType: contentType,
                                           headers: headers, body: body, certificateDER: certificate, clientAddress: clientAddress)
            }
        } catch {
            answer = Self.errorAnswer(error)
        }
        var fields = HTTPFields()
        if let contentType = answer.contentType { fields[.contentType] = contentType }
        try await writer.write(response: HTTPResponse(status: .init(code: answer.status), headerFields: fields), body: .init(byteBuffer: answer.body))
    }

    /// Passes one request to this cluster's auth service on behalf of the
    /// holder of `certificateDER` (calling from `clientAddress`), and
    /// annotates what only the proxy knows.
    func forward(
        method: String, uri: String, contentType: String?, headers: [String: String] = [:],
        body: ByteBuffer, certificateDER: [UInt8]?, clientAddress: String?
    ) async throws(TetherError) -> APIAnswer {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        guard path.hasPrefix("/v1/") else {
            throw TetherError(.notFound, "no API at \(path).")
        }
        var forwarded = HTTPClientRequest(url: "https://\(auth.address)\(uri)")
        forwarded.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { forwarded.headers.add(name: name, value: value) }
        if let contentType { forwarded.headers.add(name: "content-type", value: contentType) }
        if let clientAddress { forwarded.headers.add(name: ForwardedIdentity.clientAddressHeader, value: clientAddress) }
        if let certificateDER {
            forwarded.headers.add(name: ForwardedIdentity.header, value: Data(certificateDER).base64EncodedString())
        }
        if body.readableBytes > 0 { forwarded.body = .bytes(body) }
        var answer: APIAnswer
        do {
            let response = try await client.execute(forwarded, timeout: .seconds(30))
            answer = APIAnswer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                               body: try await response.body.collect(upTo: Self.maximumBody))
        } catch {
            throw TetherError(.unavailable, "the proxy cannot reach the auth service: \(SocketFailure.reaching(auth, error).message)")
        }
        guard answer.status == 200 else { return answer }
        switch path {
        case APIPath.nodes: answer.body = annotate(answer.body, as: [NodeSummary].self, with: annotateNodes)
        case APIPath.clusters: answer.body = annotate(answer.body, as: [ClusterSummary].self, with: annotateClusters)
        default: break
        }
        return answer
    }

    private static func peerCertificateDER(of channel: any Channel) async throws -> [UInt8]? {
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate?.toDERBytes()
        }.get()
    }

    private func annotate<Item: Codable>(_ body: ByteBuffer, as type: [Item].Type, with change: ([Item]) -> [Item]) -> ByteBuffer {
        guard let items = try? JSONDecoder().decode(type, from: Data(body.readableBytesView)),
              let encoded = try? JSONEncoder().encode(change(items))
        else { return body }
        return ByteBuffer(bytes: encoded)
    }

    /// A tunnel node is online exactly while its tunnel is up here.
    private func annotateNodes(_ nodes: [NodeSummary]) -> [NodeSummary] {
        nodes.map { node in
            var node = node
            if node.tunnel { node.online = registry.status(of: node.hostID) != nil }
            return node
        }
    }

    /// A leaf is online exactly while its proxy's tunnel is up here.
    private func annotateClusters(_ clusters: [ClusterSummary]) -> [ClusterSummary] {
        let now = Date().formatted(.iso8601)
        return clusters.map { cluster in
            var cluster = cluster
            if cluster.role == .leaf, leaves.isOnline(cluster.name) {
                cluster.online = true
                cluster.lastSeen = now
            }
            return cluster
        }
    }

    static func errorAnswer(_ error: any Error) -> APIAnswer {
        let tetherError = (error as? TetherError) ?? TetherError(.internal, "the proxy failed: \(error).")
        let body = (try? JSONEncoder().encode(APIErrorBody(tetherError))) ?? Data()
        return APIAnswer(status: APIErrorBody.status(for: tetherError.code), contentType: "application/json", body: ByteBuffer(bytes: body))
    }
}
