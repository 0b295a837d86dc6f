/// `POST /v1/join`: a node proves it holds a join token and the private keys
/// of the public keys it sends (a signature over the token with its SSH
/// host key), and receives its host identity.
public struct JoinRequest: Codable, Sendable, Equatable {
    public var token: String
    public var nodeName: String
    /// Authorized-keys line of the node's SSH host key.
    public var sshPublicKey: String
    /// PEM (SubjectPublicKeyInfo) of the node's TLS key.
    public var tlsPublicKey: String
    /// Base64 of an SSH signature blob by the host key over
    /// `"tether-join:" + token + ":" + nodeName` (proof of possession).
    public var proof: String
    /// A direct node's listen host(s), e.g. 127.0.0.1; empty for a tunnel
    /// node. Not certified: a node's TLS certificate names only the host ID
    /// the cluster assigned, which the proxy checks.
    public var addresses: [String]
    /// host:port a direct node listens on: the only address the proxy will
    /// ever dial for it (heartbeats must repeat it), and what lets its
    /// certificate serve TLS. Nil for a tunnel node, whose certificate never does.
    public var listen: String?

    public init(
        token: String, nodeName: String, sshPublicKey: String, tlsPublicKey: String, proof: String, addresses: [String], listen: String? = nil
    ) {
        self.token = token
        self.nodeName = nodeName
        self.sshPublicKey = sshPublicKey
        self.tlsPublicKey = tlsPublicKey
        self.proof = proof
        self.addresses = addresses
        self.listen = listen
    }

    /// The bytes the proof signs.
    public static func proofMessage(token: String, nodeName: String) -> [UInt8] {
        Array("tether-join:\(token):\(nodeName)".utf8)
    }

    enum CodingKeys: String, CodingKey {
        case token, proof, addresses, listen
        case nodeName = "node_name"
        case sshPublicKey = "ssh_public_key"
        case tlsPublicKey = "tls_public_key"
    }
}

public struct JoinResponse: Codable, Sendable, Equatable {
    /// The node's identity in the cluster (unique, stable across restarts).
    public var hostID: String
    public var sshHostCertificate: String
    public var tlsCertificate: String
    /// Labels the token carried, merged under the node's own.
    public var tokenLabels: [String: String]
    public var clusterInfo: ClusterInfo

    public init(hostID: String, sshHostCertificate: String, tlsCertificate: String, tokenLabels: [String: String], clusterInfo: ClusterInfo) {
        self.hostID = hostID
        self.sshHostCertificate = sshHostCertificate
        self.tlsCertificate = tlsCertificate
        self.tokenLabels = tokenLabels
        self.clusterInfo = clusterInfo
    }

    enum CodingKeys: String, CodingKey {
        case hostID = "host_id"
        case sshHostCertificate = "ssh_host_certificate"
        case tlsCertificate = "tls_certificate"
        case tokenLabels = "token_labels"
        case clusterInfo = "cluster_info"
    }
}

/// `POST /v1/renew/host`, with the node's current (still valid) host
/// certificate: the same host, certified anew. The SSH host certificate is
/// for the host key on record; the TLS one for `tlsPublicKey`.
public struct HostRenewalRequest: Codable, Sendable, Equatable {
    /// PEM (SubjectPublicKeyInfo) of the node's TLS key.
    public var tlsPublicKey: String
    /// As at join; not certified (a renewal's certificate serves TLS as the
    /// node's record since its join says: a direct node's does, a tunnel node's never).
    public var addresses: [String]

    public init(tlsPublicKey: String, addresses: [String]) {
        self.tlsPublicKey = tlsPublicKey
        self.addresses = addresses
    }

    enum CodingKeys: String, CodingKey {
        case addresses
        case tlsPublicKey = "tls_public_key"
    }
}

public struct HostRenewalResponse: Codable, Sendable, Equatable {
    public var sshHostCertificate: String
    public var tlsCertificate: String

    public init(sshHostCertificate: String, tlsCertificate: String) {
        self.sshHostCertificate = sshHostCertificate
        self.tlsCertificate = tlsCertificate
    }

    enum CodingKeys: String, CodingKey {
        case sshHostCertificate = "ssh_host_certificate"
        case tlsCertificate = "tls_certificate"
    }
}
