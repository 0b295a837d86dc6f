import TetherIdentity
import TetherTestSupport

/// What the stock OpenSSH tools (ssh, scp, sftp, rsync -e ssh) need to reach
/// a `NodeFixture` node as host `node`: a user key and certificate from the
/// fixture's CA, a relay delivering the certificate as the proxy does, the
/// node's host key pinned, and an ssh_config saying so.
struct StockClientConfig {
    static let host = "node"
    let relay: StreamRelay
    /// The ssh_config file, for `-F`.
    let path: String

    init(node: NodeFixture, login: String = "root") async throws {
        let (key, certificate) = try node.issue(logins: [login])
        let keyFile = node.directory.path("id_ed25519")
        try SSHKeyFiles.writePrivateKey(key, to: keyFile)
        _ = try node.directory.write(certificate.authorizedKeyLine() + "\n", to: "id_ed25519-cert.pub")
        relay = try await StreamRelay(registry: node.registry, peerID: NodeFixture.peerID, certificate: certificate.authorizedKeyLine(), group: node.group)
        let knownHosts = try node.directory.write("[127.0.0.1]:\(relay.port) \(node.hostKey.publicKey.authorizedKeyLine())\n", to: "known_hosts")
        path = try node.directory.write("""
            Host \(Self.host)
              HostName 127.0.0.1
              Port \(relay.port)
              User \(login)
              IdentityFile \(keyFile)
              IdentitiesOnly yes
              UserKnownHostsFile \(knownHosts)
              StrictHostKeyChecking yes
              BatchMode yes
              LogLevel ERROR
            """, to: "ssh_config")
    }

    func close() async { await relay.close() }
}
