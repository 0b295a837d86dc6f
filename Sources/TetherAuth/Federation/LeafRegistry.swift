import Foundation
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage

/// The root's side of trust: leaves register with a `trusted_cluster`
/// token and are kept as `remote_cluster` resources plus their CAs.
public struct LeafRegistry: Sendable {
    let cluster: String
    let authority: ClusterAuthority
    let resources: ClusterResources
    let tokens: JoinTokens
    let foreign: ForeignAuthorities
    let audit: AuditTrail
    let clock: any WallClock
    let proxyPublicAddress: String?

    /// A leaf asks to trust this cluster. The token is used up first, so a
    /// refused request cannot be retried with the same token.
    public func register(_ request: TrustRequest, remoteAddress: String?) throws(TetherError) -> TrustResponse {
        let leaf = request.leaf
        do {
            _ = try tokens.redeem(request.token, as: .trustedCluster)
        } catch {
            try audit.refusal("trusted cluster \(leaf.cluster) offered an invalid token", remoteAddress: remoteAddress)
            throw error
        }
        do {
            try checkNewLeaf(leaf)
        } catch {
            try audit.refusal("trusted cluster \(leaf.cluster) refused: \(error.message)", remoteAddress: remoteAddress)
            throw error
        }
        // The create-only insert claims the name: of two registrations racing
        // for one name, the loser stops here, before it has stored any CA.
        try resources.put(.remoteCluster(RemoteCluster(name: leaf.cluster, spec: RemoteClusterSpec())), mode: .createOnly)
        do {
            try foreign.store(leaf, as: .leaf)
        } catch {
            try? resources.delete(.remoteCluster, leaf.cluster)
            throw error
        }
        try audit.record(AuthEvent.resource(ResourceKind.remoteCluster.rawValue, "create")) { event in
            event.remoteAddr = remoteAddress
            event.fields["name"] = .string(leaf.cluster)
            event.fields["tls_ca_pin"] = .string(leaf.tlsCAPin)
        }
        return TrustResponse(root: authority.clusterInfo(proxyPublicAddress: proxyPublicAddress))
    }

    /// The name must be free and the CA must really be that cluster's.
    private func checkNewLeaf(_ leaf: ClusterInfo) throws(TetherError) {
        guard NameRules.isValid(leaf.cluster) else {
            throw TetherError(.invalidArgument, "\"\(leaf.cluster)\" is not a valid cluster name.")
        }
        guard leaf.cluster != cluster else {
            throw TetherError(.invalidArgument, "a leaf may not be called \(cluster), the name of the root cluster itself; rename the leaf cluster.")
        }
        // One name, one cluster: a leaf named like a root this cluster trusts
        // would be mistaken for it (its users, its CAs) wherever names are compared.
        guard try resources.get(.trustedCluster, leaf.cluster) == nil else {
            throw TetherError(.alreadyExists, "\(cluster) trusts a root cluster named \(leaf.cluster), so a leaf may not take that name; rename the leaf cluster.")
        }
        guard try resources.get(.remoteCluster, leaf.cluster) == nil else {
            throw TetherError(.alreadyExists, "a leaf cluster named \(leaf.cluster) already trusts \(cluster); remove it first with tetherctl rm remote_cluster/\(leaf.cluster) on \(cluster).")
        }
        let certificates = try PEMCoding.certificates(fromPEM: leaf.tlsCA)
        guard certificates.count == 1, let ca = certificates.first,
              try TLSCertificateAuthority.clusterName(of: ca) == leaf.cluster,
              try CAPin(certificate: ca).description == leaf.tlsCAPin
        else {
            throw TetherError(.invalidArgument, "the TLS CA offered by \(leaf.cluster) is not a CA of a cluster called \(leaf.cluster).")
        }
        _ = try SSHPublicKey(authorizedKeyLine: leaf.sshUserCA)
        _ = try SSHPublicKey(authorizedKeyLine: leaf.sshHostCA)
    }

    public func leaves() throws(TetherError) -> [RemoteCluster] {
        try resources.list(.remoteCluster).compactMap { if case .remoteCluster(let leaf) = $0 { leaf } else { nil } }
    }

    /// PEM of leaf `name`'s TLS CA, learnt when it registered.
    public func tlsCAPEMs(of name: String) throws(TetherError) -> [String] {
        try foreign.tlsCAPEMs(of: name, .leaf)
    }

    /// Forgets a leaf and its CAs: its tunnel is refused from now on.
    public func remove(_ name: String) throws(TetherError) {
        try resources.delete(.remoteCluster, name)
        try foreign.remove(cluster: name, as: .leaf)
        try audit.record(AuthEvent.resource(ResourceKind.remoteCluster.rawValue, "delete")) { $0.fields["name"] = .string(name) }
    }

    /// Notes that the leaf's tunnel was up just now.
    public func markSeen(_ name: String) throws(TetherError) {
        guard case .remoteCluster(var leaf)? = try resources.get(.remoteCluster, name) else { return }
        leaf.spec = RemoteClusterSpec(lastSeen: clock.now())
        try resources.put(.remoteCluster(leaf), mode: .replace)
    }

    /// `GET /v1/clusters`: this cluster and its leaves (the proxy fills in
    /// which leaves are online, since only it sees their tunnels).
    public func clusterSummaries() throws(TetherError) -> [ClusterSummary] {
        let now = EventTime.format(milliseconds: EventTime.milliseconds(clock.now()))
        let leaves = try leaves().sorted { $0.name < $1.name }.map { leaf in
            ClusterSummary(name: leaf.name, role: .leaf, online: false,
                           lastSeen: leaf.spec.lastSeen.map { EventTime.format(milliseconds: EventTime.milliseconds($0)) })
        }
        return [ClusterSummary(name: cluster, role: .root, online: true, lastSeen: now)] + leaves
    }
}
