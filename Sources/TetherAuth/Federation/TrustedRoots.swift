import NIOCore
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage
import TetherTransport

/// The leaf's side of trust: `trusted_cluster` resources naming the root,
/// established by presenting the root's token to the root proxy.
public struct TrustedRoots: Sendable {
    let cluster: String
    let authority: ClusterAuthority
    let resources: ClusterResources
    let foreign: ForeignAuthorities
    let audit: AuditTrail

    /// What establishing a trust did.
    public enum Outcome: Sendable, Equatable {
        /// The root accepted this leaf; its CA (pin) is now trusted.
        case established(rootPin: String)
        /// An existing trust was rewritten (`-f`): role map, enabled, address.
        case updated
    }

    /// Creates (or with `replace`, rewrites) the trust in `trusted.name`.
    /// A new trust registers with the root first; nothing is stored unless
    /// the root agreed.
    public func establish(_ trusted: TrustedCluster, replace: Bool, eventLoopGroup: any EventLoopGroup) async throws(TetherError) -> Outcome {
        try Resource.trustedCluster(trusted).validate()  // role_map included
        guard trusted.name != cluster else {
            throw TetherError(.invalidArgument, "cluster \(cluster) cannot trust itself; name the root cluster in metadata.name.")
        }
        try refuseLeafName(trusted.name)
        if try resources.get(.trustedCluster, trusted.name) != nil {
            guard replace else {
                throw TetherError(.alreadyExists, "cluster \(cluster) already trusts \(trusted.name); use tetherctl create -f to change the trust.")
            }
            if try !foreign.tlsCAPEMs(of: trusted.name, .root).isEmpty {
                try store(trusted) { $0.fields["replaced"] = .bool(true) }
                return .updated
            }
        }
        guard let token = trusted.spec.token else {
            throw TetherError(.invalidArgument, "trusted_cluster \(trusted.name) needs spec.token to establish the trust; make one on \(trusted.name) with tetherctl tokens add --type trusted_cluster.")
        }
        let root = try await register(with: trusted, token: token, eventLoopGroup: eventLoopGroup)
        try foreign.store(root, as: .root)
        try store(trusted) { event in
            event.fields["root_tls_ca_pin"] = .string(root.tlsCAPin)
            event.fields["proxy_addr"] = .string(trusted.spec.proxyAddr)
        }
        return .established(rootPin: root.tlsCAPin)
    }

    /// Ends the trust: the leaf proxy drops its tunnel to the root within seconds.
    public func remove(_ name: String) throws(TetherError) {
        try resources.delete(.trustedCluster, name)
        try foreign.remove(cluster: name, as: .root)
        try audit.record(AuthEvent.resource(ResourceKind.trustedCluster.rawValue, "delete")) { $0.fields["name"] = .string(name) }
    }

    public func list() throws(TetherError) -> [TrustedCluster] {
        try resources.list(.trustedCluster).compactMap { if case .trustedCluster(let trust) = $0 { trust } else { nil } }
    }

    /// PEM of the TLS CA of root `name`, learnt when the trust was established.
    public func rootTLSCAPEMs(_ name: String) throws(TetherError) -> [String] {
        try foreign.tlsCAPEMs(of: name, .root)
    }

    /// One name, one cluster: a root trusted here may not share its name with a leaf of this cluster.
    private func refuseLeafName(_ name: String) throws(TetherError) {
        guard try resources.get(.remoteCluster, name) == nil else {
            throw TetherError(.alreadyExists, "\(name) is the name of a leaf cluster of \(cluster), so a root of that name cannot be trusted; remove the leaf with tetherctl rm remote_cluster/\(name) first if the root is really called \(name).")
        }
    }

    /// Keeps the trust without its token, which the root has used up.
    private func store(_ trusted: TrustedCluster, _ describe: (inout AuditEvent) -> Void) throws(TetherError) {
        var kept = trusted
        kept.spec.token = nil
        try resources.put(.trustedCluster(kept), mode: .replace)
        try audit.record(AuthEvent.resource(ResourceKind.trustedCluster.rawValue, "create")) { event in
            event.fields["name"] = .string(trusted.name)
            event.fields["enabled"] = .bool(trusted.spec.enabled)
            describe(&event)
        }
    }

    /// Presents the token and this cluster's CAs to the root proxy, whose CA
    /// is checked against `ca_pin` (or trusted on first use without one).
    private func register(with trusted: TrustedCluster, token: String, eventLoopGroup: any EventLoopGroup) async throws(TetherError) -> ClusterInfo {
        let address = trusted.spec.proxyAddr
        let root = ServerEndpoint(address, role: "the root cluster's proxy", setting: "spec.proxy_addr of trusted_cluster \(trusted.name)")
        let expectation: ClusterPinning.Expectation = try trusted.spec.caPin.map { pin throws(TetherError) in .pin(try CAPin(parsing: pin)) } ?? .insecure
        let discovered = try await ClusterPinning.discover(root, expecting: expectation, eventLoopGroup: eventLoopGroup)
        guard discovered.cluster == trusted.name else {
            throw TetherError(.invalidArgument, "the cluster at \(address) is called \(discovered.cluster), not \(trusted.name); set metadata.name to the root cluster's name.")
        }
        let client = APIClient(
            server: root, tls: try TLSSettings.client(credentials: nil, trustedCAPEMs: [discovered.tlsCA]),
            expecting: .proxy(of: trusted.name), eventLoopGroup: eventLoopGroup)
        let request = TrustRequest(token: token, leaf: authority.clusterInfo(proxyPublicAddress: nil))
        let response: TrustResponse
        do {
            response = try await client.post(APIPath.trustedClusters, body: request)
        } catch {
            await client.shutdown()
            throw TetherError(error.code, "the root cluster \(trusted.name) refused the trust: \(error.message)")
        }
        await client.shutdown()
        guard response.root.cluster == discovered.cluster, response.root.tlsCA == discovered.tlsCA else {
            throw TetherError(.verificationFailed, "the root at \(address) answered with CAs other than the ones it presented; refusing the trust.")
        }
        return response.root
    }
}
