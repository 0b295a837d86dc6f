import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import TetherAPI
import TetherCore

/// A JSON client for Tether's HTTPS APIs (auth service, proxy), over TLS 1.3
/// with the caller's identity. Errors come back as the server's own
/// `TetherError` sentence, or `.unavailable` saying why the server could not
/// be reached.
public final class APIClient: Sendable {
    public let server: ServerEndpoint
    public let baseURL: String
    private let client: HTTPClient
    private let timeout: TimeAmount

    /// A client of `expected` at `server`: each connection's server must
    /// prove it is that role of that cluster before a request goes out.
    public convenience init(
        server: ServerEndpoint, tls: TLSConfiguration, expecting expected: ExpectedServer,
        eventLoopGroup: any EventLoopGroup, timeout: TimeAmount = .seconds(15)
    ) {
        self.init(server: server, tls: tls, expected: expected, eventLoopGroup: eventLoopGroup, timeout: timeout)
    }

    /// First contact, before the cluster's CA is known: nothing about the
    /// server is checked; the caller must check the CA it learns against a
    /// pin (or the user's explicit `--insecure`) and use nothing else it says.
    static func firstContact(server: ServerEndpoint, eventLoopGroup: any EventLoopGroup) -> APIClient {
        APIClient(server: server, tls: TLSSettings.unverifiedClient(), expected: nil, eventLoopGroup: eventLoopGroup, timeout: .seconds(15))
    }

    private init(server: ServerEndpoint, tls: TLSConfiguration, expected: ExpectedServer?, eventLoopGroup: any EventLoopGroup, timeout: TimeAmount) {
        self.server = server
        self.baseURL = "https://\(server.address)"
        self.timeout = timeout
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: timeout)
        configuration.httpVersion = .http1Only
        if let expected { configuration.requireServer(expected, at: server) }
        self.client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
    }

    public func get<Response: Decodable>(_ path: String, headers: [String: String] = [:], as type: Response.Type = Response.self) async throws(TetherError) -> Response {
        try await send(method: .GET, path: path, body: nil, headers: headers)
    }

    public func post<Body: Encodable, Response: Decodable>(_ path: String, body: Body, headers: [String: String] = [:], as type: Response.Type = Response.self) async throws(TetherError) -> Response {
        let data: Data
        do {
            data = try JSONEncoder().encode(body)
        } catch {
            throw TetherError(.internal, "could not encode the request to \(path): \(error).")
        }
        return try await send(method: .POST, path: path, body: data, headers: headers)
    }

    private func send<Response: Decodable>(method: HTTPMethod, path: String, body: Data?, headers: [String: String]) async throws(TetherError) -> Response {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: HTTPResponseStatus
        let bytes: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = response.status
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw SocketFailure.reaching(server, error)
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status.code) else {
            if let body = try? JSONDecoder().decode(APIErrorBody.self, from: data) { throw body.error }
            throw TetherError(.unavailable, "\(baseURL)\(path) answered \(status.code) \(status.reasonPhrase).")
        }
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw TetherError(.malformed, "\(baseURL)\(path) answered with JSON this client cannot read: \(error).")
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}
