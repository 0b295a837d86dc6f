import Foundation

/// The layout of `data_dir/node` (mode 0700).
public struct NodeFiles: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Ed25519 host key, OpenSSH format, 0600 (and `.pub` beside it).
    public var sshHostKey: String { path("ssh_host_key") }
    public var sshHostCertificate: String { path("ssh_host_key-cert.pub") }
    /// P-256 TLS key, PEM, 0600.
    public var tlsKey: String { path("tls.key") }
    public var tlsCertificate: String { path("tls.pem") }
    /// Host ID, node name, cluster and its CAs.
    public var identity: String { path("identity.json") }
    /// The local audit spool (a SQLite audit log) and its delivery cursor.
    public var spool: String { path("spool.sqlite") }
    /// The last access policy (roles and locks) received from auth.
    public var accessPolicy: String { path("access-policy.json") }
}
