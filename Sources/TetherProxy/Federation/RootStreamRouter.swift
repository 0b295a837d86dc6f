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
        case SSHRouting.streamPath: session(request, stream: stream)
        case APIRelay.streamPath: stream.eventLoop.makeCompletedFuture { api() }
        case RootLockPush.streamPath: stream.eventLoop.makeSucceededFuture(locks())
        default: stream.eventLoop.makeFailedFuture(TetherError(.notFound, "the proxy of \(clusterName) serves no \(request.path) to its root."))
        }
    }

    private func session(_ request: TunnelStreamRequest, stream: Channel) -> EventLoopFuture<TunnelStreamService> {
        let (connector, directory, clusterName) = (connector, directory, clusterName)
        // Translation reads SQLite and may sign a certificate: not on the event loop.
        let opened = NIOThreadPool.singleton.runIfActive(eventLoop: stream.eventLoop) {
            try visit(request)
        }.flatMap { viewer, node, metadata in
            directory.route(named: node, for: viewer, cluster: clusterName, inLeaf: true, on: stream.eventLoop).flatMap { route in
                var metadata = metadata
                metadata[SSHRouting.Metadata.node] = route.name
                return connector.openStream(to: route, request: TunnelStreamRequest(path: SSHRouting.streamPath, metadata: metadata), on: stream.eventLoop) { nodeStream in
                    try nodeStream.pipeline.syncOperations.addHandler(InboundHold())
                }
            }
        }
        // A root that gives up before the answer takes the node's stream with it.
        stream.closeFuture.whenComplete { _ in opened.whenSuccess { $0.close(promise: nil) } }
        return opened.map { nodeStream in
            { stream in
                try stream.pipeline.syncOperations.addHandler(InboundHold())
                SpliceHandler.splice(stream, nodeStream).whenFailure { _ in stream.close(promise: nil) }
            }
        }
    }

    /// Who a root user's session is in this cluster, the node asked for,
    /// and what the node is told (the certificate translated).
    private func visit(_ request: TunnelStreamRequest) throws -> (NodeViewer, String, [String: String]) {
        guard let certificate = request.metadata[SSHRouting.Metadata.certificate], let node = request.metadata[SSHRouting.Metadata.node] else {
            throw TetherError(.invalidArgument, "the root sent a session without a certificate or node.")
        }
        let clientAddress = request.metadata[SSHRouting.Metadata.clientAddress]
        let translated = try federation.translateSSHCertificate(certificate, from: root, clientAddress: clientAddress)
        let visitor = try TetherCertificateIdentity(certificate: try SSHCertificate(authorizedKeyLine: translated))
        let viewer = NodeViewer(user: visitor.user, roles: visitor.roles, originCluster: visitor.originCluster, clientAddress: clientAddress)
        return (viewer, node, [
            SSHRouting.Metadata.certificate: translated,
            SSHRouting.Metadata.clientAddress: clientAddress ?? "unknown",
        ])
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
