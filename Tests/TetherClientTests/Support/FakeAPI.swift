import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport

/// The API paths the client calls, answered from fixed data with the test
/// cluster's real authorities (so issued certificates work for later calls).
final class FakeAPI: Sendable {
    let cluster: TestCluster
    let password: String
    let roles = ["access"]
    let logins = ["root", "diagnostics"]
    let nodes: NIOLockedValueBox<[NodeSummary]>
    let sessions: [String: SessionPlayback]
    /// The `Tether-Cluster` header of each `/v1/nodes` call.
    let nodeQueries = NIOLockedValueBox<[String?]>([])
    /// "METHOD path" of every request answered.
    let requests = NIOLockedValueBox<[String]>([])

    init(cluster: TestCluster, password: String = "correct horse", nodes: [NodeSummary] = [], sessions: [String: SessionPlayback] = [:]) {
        self.cluster = cluster
        self.password = password
        self.nodes = NIOLockedValueBox(nodes)
        self.sessions = sessions
    }

    struct Response {
        var status: HTTPResponseStatus
        var body: Data
    }

    func respond(method: HTTPMethod, path: String, headers: HTTPHeaders, body: Data, peer: TLSIdentity?) -> Response {
        requests.withLockedValue { $0.append("\(method) \(path)") }
        do {
            switch (method, path) {
            case (.GET, APIPath.cluster):
                return try ok(cluster.info)
            case (.POST, APIPath.login):
                return try ok(try logIn(try JSONDecoder().decode(LoginRequest.self, from: body)))
            case (.GET, APIPath.nodes):
                try requireUser(peer)
                nodeQueries.withLockedValue { $0.append(headers.first(name: SSHRouting.clusterHeader)) }
                return try ok(nodes.withLockedValue { $0 })
            case (.GET, APIPath.clusters):
                try requireUser(peer)
                return try ok([ClusterSummary(name: cluster.info.cluster, role: .root, online: true, lastSeen: nil)])
            case (.GET, _) where path.hasPrefix(APIPath.sessions + "/"):
                try requireUser(peer)
                let id = String(path.dropFirst(APIPath.sessions.count + 1))
                guard let playback = sessions[id] else { throw TetherError(.notFound, "no session \(id).") }
                return try ok(playback)
            default:
                throw TetherError(.notFound, "no route \(method) \(path).")
            }
        } catch let error as TetherError {
            return failure(error)
        } catch {
            return failure(TetherError(.malformed, "bad request: \(error)."))
        }
    }

    private func logIn(_ request: LoginRequest) throws -> LoginResponse {
        guard request.password == password else {
            throw TetherError(.accessDenied, "invalid user name or password for \(request.user).")
        }
        let ttl = TimeSpan(seconds: request.ttlSeconds ?? 8 * 3600)
        let sshCertificate = try cluster.sshUserCA.issueUserCertificate(
            for: try SSHPublicKey(authorizedKeyLine: request.sshPublicKey),
            identity: TetherCertificateIdentity(user: request.user, cluster: cluster.name, roles: roles),
            principals: logins,
            ttl: ttl
        )
        let tlsCertificate = try cluster.tlsCA.issueClientCertificate(
            user: request.user, roles: roles,
            publicKey: try P256.Signing.PublicKey(pemRepresentation: request.tlsPublicKey),
            ttl: ttl
        )
        return LoginResponse(
            cluster: cluster.name, user: request.user, roles: roles, logins: logins,
            sshCertificate: sshCertificate.authorizedKeyLine(),
            tlsCertificate: try PEMCoding.pem(of: tlsCertificate),
            expires: Int64(Date().timeIntervalSince1970) + ttl.seconds,
            clusterInfo: cluster.info
        )
    }

    private func requireUser(_ peer: TLSIdentity?) throws {
        guard let peer, peer.kind == .user else {
            throw TetherError(.accessDenied, "this call needs a user certificate; run tether login.")
        }
    }

    private func ok(_ value: some Encodable) throws -> Response {
        Response(status: .ok, body: try JSONEncoder().encode(value))
    }

    private func failure(_ error: TetherError) -> Response {
        Response(
            status: HTTPResponseStatus(statusCode: APIErrorBody.status(for: error.code)),
            body: (try? JSONEncoder().encode(APIErrorBody(error))) ?? Data()
        )
    }
}

/// HTTP/1.1 glue for FakeAPI: collects a request, answers with JSON.
final class FakeAPIHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let api: FakeAPI
    private var head: HTTPRequestHead?
    private var body = Data()

    init(api: FakeAPI) { self.api = api }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = Data()
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            let peer = try? PeerIdentity.of(context.channel)
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let response = api.respond(method: head.method, path: path, headers: head.headers, body: body, peer: peer ?? nil)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: "\(response.body.count)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            self.head = nil
        }
    }
}
