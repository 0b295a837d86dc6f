/// A cluster's certificate authority: public material only.
public struct CertAuthoritySpec: ResourceSpec {
    public static let kind = ResourceKind.certAuthority

    public enum AuthorityType: String, Codable, Hashable, Sendable, CaseIterable {
        case user, host, tls

        public init(from decoder: any Decoder) throws {
            self = try decodeWord(from: decoder)
        }
    }

    /// The cluster this authority belongs to.
    public var cluster: String
    public var type: AuthorityType
    /// OpenSSH public key lines (`ssh-ed25519 AAAA...`).
    public var sshPublicKeys: [String]
    /// PEM certificates.
    public var tlsCertificates: [String]

    public init(cluster: String, type: AuthorityType, sshPublicKeys: [String] = [], tlsCertificates: [String] = []) {
        self.cluster = cluster
        self.type = type
        self.sshPublicKeys = sshPublicKeys
        self.tlsCertificates = tlsCertificates
    }

    enum CodingKeys: String, CodingKey {
        case cluster, type
        case sshPublicKeys = "ssh_public_keys"
        case tlsCertificates = "tls_certificates"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            cluster: try container.decode(String.self, forKey: .cluster),
            type: try container.decode(AuthorityType.self, forKey: .type),
            sshPublicKeys: try container.decode(.sshPublicKeys, or: []),
            tlsCertificates: try container.decode(.tlsCertificates, or: [])
        )
    }
}
