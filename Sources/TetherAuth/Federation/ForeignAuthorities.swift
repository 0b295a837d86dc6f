import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import X509

/// The public CAs of the clusters this one federates with (the root a leaf
/// trusts, or the leaves that trust a root), kept as `cert_authority`
/// resources named `TYPE@CLUSTER` beside this cluster's own (`user`, `host`, `tls`).
struct ForeignAuthorities: Sendable {
    let resources: ClusterResources

    static func resourceName(_ type: CertAuthoritySpec.AuthorityType, of cluster: String) -> String {
        "\(type.rawValue)@\(cluster)"
    }

    /// Stores the three CAs `info` describes, replacing older ones of that cluster.
    func store(_ info: ClusterInfo) throws(TetherError) {
        let authorities: [(CertAuthoritySpec.AuthorityType, CertAuthoritySpec)] = [
            (.user, CertAuthoritySpec(cluster: info.cluster, type: .user, sshPublicKeys: [info.sshUserCA])),
            (.host, CertAuthoritySpec(cluster: info.cluster, type: .host, sshPublicKeys: [info.sshHostCA])),
            (.tls, CertAuthoritySpec(cluster: info.cluster, type: .tls, tlsCertificates: [info.tlsCA])),
        ]
        for (type, spec) in authorities {
            try resources.put(.certAuthority(CertAuthority(name: Self.resourceName(type, of: info.cluster), spec: spec)), mode: .replace)
        }
    }

    func remove(cluster: String) throws(TetherError) {
        for type in CertAuthoritySpec.AuthorityType.allCases {
            do {
                try resources.delete(.certAuthority, Self.resourceName(type, of: cluster))
            } catch where error.code == .notFound {
                continue
            }
        }
    }

    func authority(_ type: CertAuthoritySpec.AuthorityType, of cluster: String) throws(TetherError) -> CertAuthoritySpec? {
        guard case .certAuthority(let authority)? = try resources.get(.certAuthority, Self.resourceName(type, of: cluster)) else { return nil }
        return authority.spec
    }

    /// The SSH user CA keys of `cluster`.
    func sshUserCAs(of cluster: String) throws(TetherError) -> Set<SSHPublicKey> {
        var keys: Set<SSHPublicKey> = []
        for line in try authority(.user, of: cluster)?.sshPublicKeys ?? [] {
            keys.insert(try SSHPublicKey(authorizedKeyLine: line))
        }
        return keys
    }

    /// PEM of the TLS CA certificates of `cluster`.
    func tlsCAPEMs(of cluster: String) throws(TetherError) -> [String] {
        try authority(.tls, of: cluster)?.tlsCertificates ?? []
    }

    func tlsCAs(of cluster: String) throws(TetherError) -> [Certificate] {
        var certificates: [Certificate] = []
        for pem in try tlsCAPEMs(of: cluster) {
            certificates += try PEMCoding.certificates(fromPEM: pem)
        }
        return certificates
    }
}
