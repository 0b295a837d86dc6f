import TetherAPI

/// Whom a `tether-ssh/1` CONNECT asks the proxy to reach, and as whom.
public struct ConnectTarget: Sendable, Equatable {
    public var node: String
    public var cluster: String
    public var login: String
    /// Authorized-keys line of the user's SSH certificate: the node checks
    /// it against the key the SSH handshake then proves.
    public var certificate: String

    public init(node: String, cluster: String, login: String, certificate: String) {
        self.node = node
        self.cluster = cluster
        self.login = login
        self.certificate = certificate
    }

    /// The request head, `CONNECT NODE:0 HTTP/1.1` with the routing headers.
    var requestHead: String {
        [
            "CONNECT \(node):0 HTTP/1.1",
            "Host: \(node):0",
            "\(SSHRouting.clusterHeader): \(cluster)",
            "\(SSHRouting.loginHeader): \(login)",
            "\(SSHRouting.certificateHeader): \(certificate)",
            "", "",
        ].joined(separator: "\r\n")
    }
}
