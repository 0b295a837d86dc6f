import Crypto
import TetherClient
import TetherIdentity

extension TestCluster {
    /// alice's identity as `tether login` saves it, certified by this
    /// cluster, for tests that write a profile directly.
    func aliceIdentity(proxyAddress: String = "127.0.0.1:3080", expires: Int64 = 2_000_000_000) throws -> ClientIdentity {
        let sshKey = SSHPrivateKey.generate(.ed25519)
        let certificate = try sshUserCA.issueUserCertificate(
            for: sshKey.publicKey, identity: TetherCertificateIdentity(user: "alice", cluster: name, roles: ["access"]),
            principals: ["root"], ttl: .hours(1)
        )
        let tlsKey = P256.Signing.PrivateKey()
        let tlsCertificate = try tlsCA.issueClientCertificate(user: "alice", roles: ["access"], publicKey: tlsKey.publicKey, ttl: .hours(1))
        return ClientIdentity(
            profile: ClientProfile(proxyAddress: proxyAddress, cluster: name, user: "alice", roles: ["access"],
                                   logins: ["root"], expires: expires, clusterInfo: info),
            sshKey: sshKey, sshCertificate: certificate.authorizedKeyLine(),
            tlsKey: tlsKey, tlsCertificate: try PEMCoding.pem(of: tlsCertificate)
        )
    }
}
