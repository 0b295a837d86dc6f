import Crypto
import Foundation
import NIOSSH
import TetherCore
import TetherIdentity
import TetherTransport

/// A logged-in user's credentials: the profile plus the keys the client
/// generated (they never leave this machine) and the certificates the
/// cluster issued for them.
public struct ClientIdentity: Sendable {
    public var profile: ClientProfile
    public var sshKey: SSHPrivateKey
    /// Authorized-keys line of the SSH user certificate.
    public var sshCertificate: String
    public var tlsKey: P256.Signing.PrivateKey
    /// PEM of the X.509 client certificate.
    public var tlsCertificate: String

    public init(profile: ClientProfile, sshKey: SSHPrivateKey, sshCertificate: String, tlsKey: P256.Signing.PrivateKey, tlsCertificate: String) {
        self.profile = profile
        self.sshKey = sshKey
        self.sshCertificate = sshCertificate
        self.tlsKey = tlsKey
        self.tlsCertificate = tlsCertificate
    }

    /// What the client presents and trusts on TLS links to its cluster.
    public var tlsCredentials: TLSCredentials {
        TLSCredentials(
            certificatePEM: tlsCertificate,
            privateKeyPEM: PEMCoding.pem(of: tlsKey),
            trustedCAPEMs: [profile.clusterInfo.tlsCA]
        )
    }

    /// The SSH key in the form swift-nio-ssh signs with.
    var nioSSHKey: NIOSSHPrivateKey {
        switch sshKey {
        case .ed25519(let key): NIOSSHPrivateKey(ed25519Key: key)
        case .ecdsaP256(let key): NIOSSHPrivateKey(p256Key: key)
        }
    }
}
