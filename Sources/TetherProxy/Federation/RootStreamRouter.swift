import Foundation
import NIOCore
import NIOPosix
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTunnel

/// Serves the streams a root cluster's proxy opens on this leaf's tunnel:
/// SSH sessions of root users (their certificate re-issued for this
/// cluster, then spliced onto the node) and relayed API requests. A session
/// is accepted only once the node's own stream is open, so every refusal,
/// the node's included, reaches the user as a sentence.
struct RootStreamRouter: TunnelStreamRouter {
    let root: String
    let clusterName: String
    let federation: any FederationAuthority
    let directory: NodeDirectory
    let connector: NodeConnector
    let forwarder: AuthForwarder

    func route(_ request: TunnelStreamRequest, stream: Channel) -> EventLoopFuture<TunnelStreamService> {
        switch request.path {
        case ResourceStreamRequest.Kind.ssh.path: session(request, stream: stream)
        case APIRelay.streamPath: stream.eventLoop.makeCompletedFuture { api() }
        case RootLockPush.streamPath: stream.eventLoop.makeSucceededFuture(locks())
        default: stream.eventLoop.makeFailedFuture(TetherError(.notFound, "the proxy of \(clusterName) serves no \(request.path) to its root."))
        }
    }

    private func session(_ request: TunnelStreamRequest, stream: Channel) -> EventLoopFuture<TunnelStreamService> {
        let (connector, directory, clusterName) = (connector, directory, clusterName)
        return StreamHop.open(for: stream) { holdEarlyBytes in
            // Translation reads SQLite and may sign a certificate: not on the event loop.
            NIOThreadPool.singleton.runIfActive(eventLoop: stream.eventLoop) {
                try visit(request)
            }.flatMap { viewer, session in
                directory.route(named: session.resource, for: viewer, cluster: clusterName, inLeaf: true, on: stream.eventLoop).flatMap { route in
                    var session = session
                    session.resource = route.name
                    return connector.openStream(to: route, request: session.tunnelRequest, on: stream.eventLoop, initializer: holdEarlyBytes)
                }
            }
        }.map(StreamHop.accept(onto:))
    }

    /// Who a root user's session is in this cluster, and what the node is
    /// told (its certificate translated; `resource` is still the name asked for).
    private func visit(_ request: TunnelStreamRequest) throws -> (NodeViewer, ResourceStreamRequest) {
        var session = try ResourceStreamRequest(decoding: request)
        guard let certificate = session.certificate else {
            throw TetherError(.invalidArgument, "the root sent a session without a certificate.")
        }
        let translated = try federation.translateSSHCertificate(certificate, from: root, clientAddress: session.clientAddress)
        let visitor = try TetherCertificateIdentity(certificate: try SSHCertificate(authorizedKeyLine: translated))
        let viewer = NodeViewer(user: visitor.user, roles: visitor.roles, originCluster: visitor.originCluster, clientAddress: session.clientAddress)
        session.certificate = translated
        session.clientAddress = session.clientAddress ?? "unknown"
        return (viewer, session)
    }

    /// A relayed API request: one HTTP/1.1 request on the stream, read as
    /// untrusted (the root is another cluster, and nothing it sends may
    /// reach this auth service unchecked), served as this proxy serves its
    /// own callers once the root's certificate is translated.
    private func api() -> TunnelStreamService {
        let (root, federation, forwarder) = (root, federation, forwarder)
        return { stream in
            try RelayedRequestHandler.install(on: stream, RelayedRequestHandler(
                serve: { request, body, eventLoop in
                    eventLoop.makeFutureWithTask {
                        do {
                            let translated = try await federation.translateTLSCertificate(
                                request.certificateDER, from: root, clientAddress: request.clientAddress,
                                listing: NodeQuery.isListing(method: request.method, uri: request.uri))
                            return try await forwarder.forward(
                                method: request.method, uri: request.uri, contentType: request.contentType, body: body,
                                certificateDER: translated, clientAddress: request.clientAddress)
                        } catch {
                            return AuthForwarder.errorAnswer(error)
                        }
                    }
                },
                refusal: { problem in
                    AuthForwarder.errorAnswer(TetherError(.invalidArgument, "root cluster \(root) relayed an invalid request (\(problem.clause)), which was refused; ask the administrators of \(root) to check its proxy."))
                }))
        }
    }

    /// The root's lock set: applied by this cluster's auth service (which
    /// audits each lock it takes or lifts), acknowledged with a receipt.
    private func locks() -> TunnelStreamService {
        let (root, federation) = (root, federation)
        return { stream in
            let received = stream.eventLoop.makePromise(of: ByteBuffer.self)
            try stream.pipeline.syncOperations.addHandler(StreamCollector(maximumBytes: RootLockPush.maximumBytes, completing: received))
            received.futureResult.flatMapThrowing { body in
                try JSONDecoder().decode(RootLockSet.self, from: Data(body.readableBytesView))
            }.flatMap { set in
                NIOThreadPool.singleton.runIfActive(eventLoop: stream.eventLoop) { try federation.applyRootLocks(set, from: root) }
            }.whenComplete { result in
                guard case .success(let applied) = result, let encoded = try? JSONEncoder().encode(RootLockSetReceipt(applied: applied)) else {
                    return stream.close(promise: nil)
                }
                stream.writeAndFlush(ByteBuffer(bytes: encoded)).flatMap { stream.close(mode: .output) }.whenComplete { _ in }
            }
        }
    }
}
