/// `POST /v1/login`: a password (and one-time code) for certificates bound to
/// keys the client generated and keeps.
public struct LoginRequest: Codable, Sendable, Equatable {
    public var user: String
    public var password: String
    public var otp: String?
    /// Authorized-keys line of the client's SSH public key.
    public var sshPublicKey: String
    /// PEM (SubjectPublicKeyInfo) of the client's TLS public key.
    public var tlsPublicKey: String
    /// Requested lifetime in seconds; the roles' `max_session_ttl` caps it.
    public var ttlSeconds: Int64?

    public init(user: String, password: String, otp: String?, sshPublicKey: String, tlsPublicKey: String, ttlSeconds: Int64?) {
        self.user = user
        self.password = password
        self.otp = otp
        self.sshPublicKey = sshPublicKey
        self.tlsPublicKey = tlsPublicKey
        self.ttlSeconds = ttlSeconds
    }

    enum CodingKeys: String, CodingKey {
        case user, password, otp
        case sshPublicKey = "ssh_public_key"
        case tlsPublicKey = "tls_public_key"
        case ttlSeconds = "ttl_seconds"
    }
}

public struct LoginResponse: Codable, Sendable, Equatable {
    public var cluster: String
    public var user: String
    public var roles: [String]
    public var logins: [String]
    /// Authorized-keys line of the SSH user certificate.
    public var sshCertificate: String
    /// PEM of the X.509 client certificate.
    public var tlsCertificate: String
    /// Unix seconds when both certificates expire.
    public var expires: Int64
    public var clusterInfo: ClusterInfo

    public init(cluster: String, user: String, roles: [String], logins: [String], sshCertificate: String, tlsCertificate: String, expires: Int64, clusterInfo: ClusterInfo) {
        self.cluster = cluster
        self.user = user
        self.roles = roles
        self.logins = logins
        self.sshCertificate = sshCertificate
        self.tlsCertificate = tlsCertificate
        self.expires = expires
        self.clusterInfo = clusterInfo
    }

    enum CodingKeys: String, CodingKey {
        case cluster, user, roles, logins, expires
        case clusterInfo = "cluster_info"
        case sshCertificate = "ssh_certificate"
        case tlsCertificate = "tls_certificate"
    }
}
