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

/// The proxy's HTTPS API: every `/v1/` request is passed to the auth
/// service, which decides. The caller's verified client certificate travels
/// in `Tether-Forwarded-Certificate` (any such header the caller sent is
/// dropped first), so the auth service knows who asked. The proxy adds only
/// what it alone knows: whether each tunnel node's tunnel is up right now.
struct AuthForwarder: Sendable {
    private let client: HTTPClient
    private let authBaseURL: String
    private let registry: TunnelRegistry
    private static let maximumBody = 16 << 20
    private static let passedHeaders = ["content-type", "accept", "user-agent"]

    init(authAddress: String, credentials: TLSCredentials, registry: TunnelRegistry, eventLoopGroup: any EventLoopGroup) throws(TetherError) {
        let tls = try TLSSettings.client(credentials: credentials, trustedCAPEMs: credentials.trustedCAPEMs, applicationProtocols: [ALPN.http])
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.httpVersion = .http1Only
        self.client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        self.authBaseURL = "https://\(authAddress)"
        self.registry = registry
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    func respond(to request: Request, writer: consuming ResponseWriter, channel: any Channel) async throws {
        var request = request
        guard request.uri.path.hasPrefix("/v1/") else {
            return try await writer.write(Self.errorResponse(TetherError(.notFound, "no API at \(request.uri.path).")))
        }
        let forwarded: HTTPClientRequest
        do {
            forwarded = try await forwardedRequest(for: &request, channel: channel)
        } catch {
            return try await writer.write(Self.errorResponse(error))
        }
        let answer: (status: Int, contentType: String?, body: ByteBuffer)
        do {
            let response = try await client.execute(forwarded, timeout: .seconds(30))
            answer = (Int(response.status.code), response.headers.first(name: "Content-Type"), try await response.body.collect(upTo: Self.maximumBody))
        } catch {
            return try await writer.write(Self.errorResponse(TetherError(.unavailable, "the auth service is unreachable from the proxy: \(error).")))
        }
        var body = answer.body
        if request.uri.path == APIPath.nodes, answer.status == 200 {
            body = annotateTunnelPresence(body)
        }
        var fields = HTTPFields()
        if let contentType = answer.contentType { fields[.contentType] = contentType }
        try await writer.write(response: HTTPResponse(status: .init(code: answer.status), headerFields: fields), body: .init(byteBuffer: body))
    }

    private func forwardedRequest(for request: inout Request, channel: any Channel) async throws -> HTTPClientRequest {
        var forwarded = HTTPClientRequest(url: authBaseURL + request.uri.description)
        forwarded.method = HTTPMethod(rawValue: request.method.rawValue)
        for name in Self.passedHeaders {
            if let field = HTTPField.Name(name), let value = request.headers[field] {
                forwarded.headers.add(name: name, value: value)
            }
        }
        if let certificate = try await Self.peerCertificateDER(of: channel) {
            forwarded.headers.add(name: ForwardedIdentity.header, value: Data(certificate).base64EncodedString())
        }
        let body = try await request.collectBody(upTo: Self.maximumBody)
        if body.readableBytes > 0 { forwarded.body = .bytes(body) }
        return forwarded
    }

    private static func peerCertificateDER(of channel: any Channel) async throws -> [UInt8]? {
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate?.toDERBytes()
        }.get()
    }

    /// A tunnel node is online exactly while its tunnel is up here.
    private func annotateTunnelPresence(_ body: ByteBuffer) -> ByteBuffer {
        guard var nodes = try? JSONDecoder().decode([NodeSummary].self, from: Data(body.readableBytesView)) else { return body }
        for index in nodes.indices where nodes[index].tunnel {
            nodes[index].online = registry.status(of: nodes[index].hostID) != nil
        }
        guard let encoded = try? JSONEncoder().encode(nodes) else { return body }
        return ByteBuffer(bytes: encoded)
    }

    static func errorResponse(_ error: any Error) -> Response {
        let tetherError = (error as? TetherError) ?? TetherError(.internal, "the proxy failed: \(error).")
        let body = (try? JSONEncoder().encode(APIErrorBody(tetherError))) ?? Data()
        return Response(
            status: .init(code: APIErrorBody.status(for: tetherError.code)),
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension ResponseWriter {
    consuming func write(_ response: Response) async throws {
        try await write(response: response.head, body: response.body)
    }
}
