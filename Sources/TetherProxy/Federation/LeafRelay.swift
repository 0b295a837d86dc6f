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

    /// How long a leaf has to answer a relayed request: its own call to
    /// its auth service is bounded at 30 s, and a leaf that never answers
    /// must not hold the caller (and the root's resources) forever.
    static let answerDeadline: TimeAmount = .seconds(45)

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

    /// Sends one API request to the leaf, as HTTP/1.1 on a stream of its
    /// tunnel, and returns its answer, checked: the leaf is another
    /// tenant's software, so an answer this proxy could not write back
    /// faithfully (not HTTP/1.1, a status outside 200…599, a field that is
    /// no HTTP field value, a body too large or on a status that has none,
    /// no answer in time) is refused with a sentence naming the leaf.
    func relay(_ request: APIRelay.Request, body: ByteBuffer, to cluster: String, on eventLoop: any EventLoop) async throws -> APIAnswer {
        let answered = eventLoop.makePromise(of: APIAnswer.self)
        do {
            _ = try await openStream(to: cluster, request: TunnelStreamRequest(path: APIRelay.streamPath), on: eventLoop) { stream in
                try RelayedAnswerHandler.install(
                    on: stream, RelayedAnswerHandler(request: request, body: body, cluster: cluster, timeout: Self.answerDeadline, answered: answered))
            }.get()
        } catch {
            answered.fail(error)
            throw error
        }
        return try await answered.futureResult.get()
    }

    static func invalidAnswer(from cluster: String, _ problem: RelayProblem) -> TetherError {
        TetherError(.invalidResponse, "cluster \(cluster) answered with an invalid response (\(problem.clause)), which was not passed on; ask the administrators of \(cluster) to check its proxy.")
    }
}
