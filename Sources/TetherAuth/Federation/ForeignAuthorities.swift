import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import X509

/// The public CAs of the clusters this one federates with, kept as
/// `cert_authority` resources beside this cluster's own (`user`, `host`,
/// `tls`): a root this cluster trusts under `root.TYPE@CLUSTER`, a leaf that
/// trusts it under `leaf.TYPE@CLUSTER`. Two namespaces, so that a leaf can
/// never write the CAs a root's users are verified against, whatever it is
/// called.
struct ForeignAuthorities: Sendable {
    /// How the cluster whose CAs these are stands to this one.
    enum Relation: String, Sendable {
        case root, leaf
    }

    let resources: ClusterResources

    static func resourceName(_ type: CertAuthoritySpec.AuthorityType, of cluster: String, _ relation: Relation) -> String {
        "\(relation.rawValue).\(type.rawValue)@\(cluster)"
    }

    /// Stores the three CAs `info` describes, replacing older ones of that cluster.
    func store(_ info: ClusterInfo, as relation: Relation) throws(TetherError) {
        let authorities: [(CertAuthoritySpec.AuthorityType, CertAuthoritySpec)] = [
            (.user, CertAuthoritySpec(cluster: info.cluster, type: .user, sshPublicKeys: [info.sshUserCA])),
            (.host, CertAuthoritySpec(cluster: info.cluster, type: .host, sshPublicKeys: [info.sshHostCA])),
            (.tls, CertAuthoritySpec(cluster: info.cluster, type: .tls, tlsCertificates: [info.tlsCA])),
        ]
        for (type, spec) in authorities {
            let name = Self.resourceName(type, of: info.cluster, relation)
            try resources.put(.certAuthority(CertAuthority(name: name, spec: spec)), mode: .replace)
        }
    }

    func remove(cluster: String, as relation: Relation) throws(TetherError) {
        for type in CertAuthoritySpec.AuthorityType.allCases {
            do {
                try resources.delete(.certAuthority, Self.resourceName(type, of: cluster, relation))
            } catch where error.code == .notFound {
                continue
            }
        }
    }

    func authority(_ type: CertAuthoritySpec.AuthorityType, of cluster: String, _ relation: Relation) throws(TetherError) -> CertAuthoritySpec? {
        guard case .certAuthority(let authority)? = try resources.get(.certAuthority, Self.resourceName(type, of: cluster, relation)) else { return nil }
        return authority.spec
    }

    /// The SSH user CA keys of root `cluster`.
    func sshUserCAs(ofRoot cluster: String) throws(TetherError) -> Set<SSHPublicKey> {
        var keys: Set<SSHPublicKey> = []
        for line in try authority(.user, of: cluster, .root)?.sshPublicKeys ?? [] {
            keys.insert(try SSHPublicKey(authorizedKeyLine: line))
        }
        return keys
    }

    /// PEM of the TLS CA certificates of `cluster`.
    func tlsCAPEMs(of cluster: String, _ relation: Relation) throws(TetherError) -> [String] {
        try authority(.tls, of: cluster, relation)?.tlsCertificates ?? []
    }

    func tlsCAs(of cluster: String, _ relation: Relation) throws(TetherError) -> [Certificate] {
        var certificates: [Certificate] = []
        for pem in try tlsCAPEMs(of: cluster, relation) {
            certificates += try PEMCoding.certificates(fromPEM: pem)
        }
        return certificates
    }
}
