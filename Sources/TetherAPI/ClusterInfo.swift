/// What anyone may learn about a cluster before trusting it: enough to pin it.
public struct ClusterInfo: Codable, Sendable, Equatable {
    public var cluster: String
    /// PEM of the cluster's TLS CA; `sha256:` pin of its SubjectPublicKeyInfo.
    public var tlsCA: String
    public var tlsCAPin: String
    /// Authorized-keys lines of the SSH CAs.
    public var sshUserCA: String
    public var sshHostCA: String
    public var proxyPublicAddress: String?

    public init(cluster: String, tlsCA: String, tlsCAPin: String, sshUserCA: String, sshHostCA: String, proxyPublicAddress: String?) {
        self.cluster = cluster
        self.tlsCA = tlsCA
        self.tlsCAPin = tlsCAPin
        self.sshUserCA = sshUserCA
        self.sshHostCA = sshHostCA
        self.proxyPublicAddress = proxyPublicAddress
    }

    enum CodingKeys: String, CodingKey {
        case cluster
        case tlsCA = "tls_ca"
        case tlsCAPin = "tls_ca_pin"
        case sshUserCA = "ssh_user_ca"
        case sshHostCA = "ssh_host_ca"
        case proxyPublicAddress = "proxy_public_addr"
    }
}
