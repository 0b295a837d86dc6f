import Crypto
import Foundation
import NIOSSH
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport

/// A cluster's authorities and the proxy's TLS identity, made fresh per test.
struct TestCluster: Sendable {
    let name: String
    let tlsCA: TLSCertificateAuthority
    let sshUserCA: SSHCertificateAuthority
    let proxyCredentials: TLSCredentials

    init(name: String = "acme") throws {
        let clock = SystemWallClock()
        self.name = name
        tlsCA = try TLSCertificateAuthority.create(clusterName: name, validity: .hours(24), clock: clock)
        sshUserCA = SSHCertificateAuthority(signingKey: .generate(.ed25519), clock: clock)
        let proxyKey = P256.Signing.PrivateKey()
        let proxyCertificate = try tlsCA.issueServerCertificate(
            hostID: "proxy-1", publicKey: proxyKey.publicKey, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"],
            roles: [ForwardedIdentity.proxyRole], ttl: .hours(1)
        )
        proxyCredentials = TLSCredentials(
            certificatePEM: try PEMCoding.pem(of: proxyCertificate),
            privateKeyPEM: PEMCoding.pem(of: proxyKey),
            trustedCAPEMs: [try PEMCoding.pem(of: tlsCA.certificate)]
        )
    }

    /// A node's TLS identity as a join issues it: role `node`, its host ID,
    /// allowed to serve TLS only if it is a direct node.
    func nodeCredentials(hostID: String, direct: Bool) throws -> TLSCredentials {
        let key = P256.Signing.PrivateKey()
        let certificate = try tlsCA.issueCertificate(
            kind: .host, name: hostID, roles: [ForwardedIdentity.nodeRole], publicKey: key.publicKey,
            usage: direct ? [.server, .client] : .client, ttl: .hours(1))
        return TLSCredentials(
            certificatePEM: try PEMCoding.pem(of: certificate), privateKeyPEM: PEMCoding.pem(of: key),
            trustedCAPEMs: [try PEMCoding.pem(of: tlsCA.certificate)])
    }

    var info: ClusterInfo {
        ClusterInfo(
            cluster: name,
            tlsCA: (try? PEMCoding.pem(of: tlsCA.certificate)) ?? "",
            tlsCAPin: tlsCA.pin.description,
            sshUserCA: sshUserCA.publicKey.authorizedKeyLine(),
            sshHostCA: sshUserCA.publicKey.authorizedKeyLine(),
            proxyPublicAddress: nil
        )
    }
}

/// A node's SSH host key, in both libraries' forms.
struct TestHostKey: Sendable {
    let key = Curve25519.Signing.PrivateKey()

    var nioKey: NIOSSHPrivateKey { NIOSSHPrivateKey(ed25519Key: key) }
    var authorizedKeyLine: String { SSHPrivateKey.ed25519(key).publicKey.authorizedKeyLine() }
}
