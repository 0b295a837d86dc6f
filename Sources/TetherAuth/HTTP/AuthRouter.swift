import Hummingbird
import Logging
import NIOPosix
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport

/// The auth API's routes: each decodes, checks who is calling, and hands
/// over to `AuthCore`. Blocking work runs off the cooperative threads:
/// logins (scrypt) on `logins`, the rest (SQLite) on NIO's shared pool.
enum AuthRouter {
    static func make(core: AuthCore, logins: LoginWorkers, logger: Logger) -> Router<AuthRequestContext> {
        let callers = CallerResolver(
            verifier: TLSCertificateVerifier(trustedCAs: [core.authority.tlsCA.certificate], clock: core.clock),
            audit: core.audit)
        let nodeRole: Set<String> = [ForwardedIdentity.nodeRole]
        let busy = RateLimitedLog()
        let router = Router(context: AuthRequestContext.self)
        router.middlewares.add(APIErrorMiddleware())

        router.get(RouterPath(APIPath.cluster)) { _, _ in
            try JSONBody.response(core.authority.clusterInfo(proxyPublicAddress: core.proxyPublicAddress))
        }
        router.post(RouterPath(APIPath.login)) { request, context in
            let body = try await request.decode(as: LoginRequest.self, context: context)
            let caller = try await callers.caller(of: request, context: context)
            // A locked-out user or address waits for no hashing thread.
            try await offload { try core.login.refuseIfLockedOut(body.user, remoteAddress: caller.remoteAddress) }
            do {
                return try JSONBody.response(try await logins.run { try core.login.login(body, remoteAddress: caller.remoteAddress) })
            } catch let error as TetherError where error == LoginWorkers.busy {
                busy.write { heldBack in
                    logger.warning("refused a login from \(caller.remoteAddress ?? "an unknown address"): every login thread and queue place is taken\(heldBack == 0 ? "" : " (and \(heldBack) more since the last such message)").")
                }
                throw error
            }
        }
        router.post(RouterPath(APIPath.join)) { request, context in
            let body = try await request.decode(as: JoinRequest.self, context: context)
            let caller = try await callers.caller(of: request, context: context)
            return try JSONBody.response(try await offload { try core.join.join(body, remoteAddress: caller.remoteAddress) })
        }
        router.post(RouterPath(APIPath.heartbeat)) { request, context in
            let (host, caller) = try await callers.host(of: request, context: context, roles: nodeRole)
            let body = try await request.decode(as: Heartbeat.self, context: context)
            try await offload { try core.presence.heartbeat(body, from: host.name, remoteAddress: caller.remoteAddress) }
            return try JSONBody.response(EmptyObject())
        }
        router.post(RouterPath(APIPath.renewHost)) { request, context in
            let (host, caller) = try await callers.host(of: request, context: context, roles: nodeRole)
            let body = try await request.decode(as: HostRenewalRequest.self, context: context)
            return try JSONBody.response(try await offload { try core.join.renew(body, hostID: host.name, remoteAddress: caller.remoteAddress) })
        }
        router.get(RouterPath(APIPath.nodes)) { request, context in
            let (user, _) = try await callers.user(of: request, context: context)
            let name = request.uri.queryParameters[Substring(NodeQuery.name)].map(String.init)
            return try JSONBody.response(try await offload { try core.presence.nodes(visibleTo: user, named: name) })
        }
        router.post(RouterPath(APIPath.auditEvents)) { request, context in
            let (host, caller) = try await callers.host(of: request, context: context, roles: nodeRole)
            let body = try await request.decode(as: AuditUpload.self, context: context)
            return try JSONBody.response(try await offload { try core.ingestion.ingest(body, from: host.name, remoteAddress: caller.remoteAddress) })
        }
        router.get(RouterPath(APIPath.sessions + "/:id")) { request, context in
            let (user, caller) = try await callers.user(of: request, context: context)
            let sessionID = try context.parameters.require("id")
            return try JSONBody.response(try await offload { try core.playback.playback(sessionID: sessionID, for: user, remoteAddress: caller.remoteAddress) })
        }
        router.post(RouterPath(APIPath.trustedClusters)) { request, context in
            let body = try await request.decode(as: TrustRequest.self, context: context)
            let caller = try await callers.caller(of: request, context: context)
            return try JSONBody.response(try await offload { try core.leaves.register(body, remoteAddress: caller.remoteAddress) })
        }
        router.get(RouterPath(APIPath.clusters)) { request, context in
            _ = try await callers.user(of: request, context: context)
            return try JSONBody.response(try await offload { try core.leaves.clusterSummaries() })
        }
        router.get(RouterPath(APIPath.accessPolicy)) { request, context in
            let (host, caller) = try await callers.host(of: request, context: context, roles: [ForwardedIdentity.nodeRole, ForwardedIdentity.proxyRole])
            // Proxies are no nodes; a node must still be one (not removed).
            if !host.roles.contains(ForwardedIdentity.proxyRole) {
                _ = try await offload { try core.presence.registeredNode(hostID: host.name, remoteAddress: caller.remoteAddress, "asked for the access policy") }
            }
            if let after = request.uri.queryParameters[Substring(AccessPolicyQuery.after)] {
                guard let known = Int64(after) else {
                    throw TetherError(.invalidArgument, "\(AccessPolicyQuery.after)=\(after) is not a policy generation; give the number from the last answer.")
                }
                await core.policyWatch.waitForChange(from: known, limit: AccessPolicyQuery.longestHold)
            }
            return try JSONBody.response(try await offload {
                try core.admin.accessPolicy(generation: try core.policyWatch.currentGeneration())
            })
        }
        return router
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
