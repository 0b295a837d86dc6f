import Foundation

/// Where a cluster's authority keeps its files inside the auth data_dir.
public struct AuthorityFiles: Sendable, Hashable {
    public let dataDirectory: String

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    public var directory: String { path("ca") }
    /// OpenSSH private key files (0600) with a `.pub` beside each.
    public var sshUserCA: String { path("ca/ssh_user_ca") }
    public var sshHostCA: String { path("ca/ssh_host_ca") }
    /// The TLS CA certificate (PEM) and its P-256 key (PEM, 0600).
    public var tlsCACertificate: String { path("ca/tls_ca.pem") }
    public var tlsCAKey: String { path("ca/tls_ca.key") }

    var all: [String] { [sshUserCA, sshHostCA, tlsCACertificate, tlsCAKey] }

    private func path(_ relative: String) -> String {
        (dataDirectory as NSString).appendingPathComponent(relative)
    }
}
