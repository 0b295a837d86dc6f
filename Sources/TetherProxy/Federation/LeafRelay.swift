import Foundation
import NIOCore
import TetherAPI
import TetherCore
import TetherTunnel

/// The root proxy's way into a leaf: streams on the tunnel the leaf's proxy
/// holds, for SSH sessions (spliced end to end) and for API requests
/// (relayed with the caller's root certificate, which the leaf translates).
struct LeafRelay: Sendable {
    let leaves: LeafDirectory
    let registry: TunnelRegistry

    static let maximumResponse = 32 << 20

    func openStream(
        to cluster: String,
        request: TunnelStreamRequest,
        on eventLoop: any EventLoop,
        initializer: @escaping @Sendable (Channel) throws -> Void
    ) -> EventLoopFuture<Channel> {
        guard leaves.leaf(named: cluster) != nil else {
            return eventLoop.makeFailedFuture(TetherError(.notFound, "cluster \(cluster) is not a leaf of this cluster; `tether clusters` lists the clusters you can reach."))
        }
        let leaves = leaves
        return registry.openStream(to: TunnelPeer.leaf(cluster: cluster).registryID, request: request, on: eventLoop, initializer: initializer)
            .flatMapErrorThrowing { error in
                // No tunnel says "offline"; a refusal from the leaf itself passes through.
                guard (error as? TetherError)?.code == .unavailable, !leaves.isOnline(cluster) else { throw error }
                throw leaves.offline(cluster)
            }
    }

    /// Sends one API request to the leaf and returns its answer.
    func relay(
        to cluster: String,
        method: String,
        uri: String,
        contentType: String?,
        certificateDER: [UInt8],
        clientAddress: String?,
        body: ByteBuffer,
        on eventLoop: any EventLoop
    ) async throws -> RelayedResponse {
        var metadata = [
            APIRelay.Metadata.method: method,
            APIRelay.Metadata.uri: uri,
            APIRelay.Metadata.certificate: Data(certificateDER).base64EncodedString(),
        ]
        metadata[APIRelay.Metadata.contentType] = contentType
        metadata[APIRelay.Metadata.clientAddress] = clientAddress
        let answered = eventLoop.makePromise(of: ByteBuffer.self)
        let stream: Channel
        do {
            stream = try await openStream(to: cluster, request: TunnelStreamRequest(path: APIRelay.streamPath, metadata: metadata), on: eventLoop) { stream in
                try stream.pipeline.syncOperations.addHandler(StreamCollector(maximumBytes: Self.maximumResponse, completing: answered))
            }.get()
        } catch {
            answered.fail(error)
            throw error
        }
        stream.write(body, promise: nil)
        try await stream.close(mode: .output)
        let answer = try await answered.futureResult.get()
        stream.close(promise: nil)
        do {
            return try JSONDecoder().decode(RelayedResponse.self, from: Data(answer.readableBytesView))
        } catch {
            throw TetherError(.malformed, "cluster \(cluster) answered the relayed request with something unreadable.")
        }
    }
}
