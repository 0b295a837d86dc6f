import Crypto
import Foundation
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import X509

/// A cluster's three certificate authorities: the SSH user CA (signs users'
/// SSH certificates), the SSH host CA (signs nodes' host certificates) and
/// the TLS CA (signs every mutual-TLS certificate).
public struct ClusterAuthority: Sendable {
    public let cluster: String
    public let userCA: SSHCertificateAuthority
    public let hostCA: SSHCertificateAuthority
    public let tlsCA: TLSCertificateAuthority

    /// How long a new TLS CA certificate is valid.
    public static let tlsCAValidity = TimeSpan(seconds: 10 * 365 * 86_400)

    public init(cluster: String, userCA: SSHCertificateAuthority, hostCA: SSHCertificateAuthority, tlsCA: TLSCertificateAuthority) {
        self.cluster = cluster
        self.userCA = userCA
        self.hostCA = hostCA
        self.tlsCA = tlsCA
    }

    /// The cluster whose authority `files` hold, or nil if there is none yet.
    public static func existingCluster(in files: AuthorityFiles) throws(TetherError) -> String? {
        guard FileManager.default.fileExists(atPath: files.tlsCACertificate) else { return nil }
        return try TLSCertificateAuthority.clusterName(of: try tlsCACertificate(in: files))
    }

    private static func tlsCACertificate(in files: AuthorityFiles) throws(TetherError) -> Certificate {
        let certificates = try PEMCoding.certificates(fromPEM: try SecureFile.read(files.tlsCACertificate))
        guard let certificate = certificates.first else {
            throw TetherError(.malformed, "\(files.tlsCACertificate) holds no certificate; restore it from a backup.")
        }
        return certificate
    }

    /// Reads the authority from `files`; it must belong to `cluster`.
    public static func load(_ files: AuthorityFiles, cluster: String, clock: any WallClock) throws(TetherError) -> ClusterAuthority {
        let userKey = try SSHKeyFiles.readPrivateKey(at: files.sshUserCA)
        let hostKey = try SSHKeyFiles.readPrivateKey(at: files.sshHostCA)
        let certificate = try tlsCACertificate(in: files)
        let tlsKey = try PEMCoding.p256PrivateKey(fromPEM: try SecureFile.read(files.tlsCAKey))
        let tlsCA = try TLSCertificateAuthority(certificate: certificate, privateKey: tlsKey, clock: clock)
        guard tlsCA.clusterName == cluster else {
            throw TetherError(.invalidArgument, "the data directory \(files.dataDirectory) belongs to cluster \(tlsCA.clusterName), not \(cluster); fix `cluster` or `data_dir` in the configuration.")
        }
        return ClusterAuthority(
            cluster: cluster,
            userCA: SSHCertificateAuthority(signingKey: userKey, clock: clock),
            hostCA: SSHCertificateAuthority(signingKey: hostKey, clock: clock),
            tlsCA: tlsCA
        )
    }

    /// Makes new keys for `cluster` and writes them to `files` (keys 0600).
    public static func create(_ files: AuthorityFiles, cluster: String, clock: any WallClock) throws(TetherError) -> ClusterAuthority {
        try SecureFile.makePrivateDirectory(files.directory)
        let userKey = SSHPrivateKey.generate(.ed25519)
        let hostKey = SSHPrivateKey.generate(.ed25519)
        let tlsCA = try TLSCertificateAuthority.create(clusterName: cluster, validity: tlsCAValidity, clock: clock)
        try SSHKeyFiles.writePrivateKey(userKey, to: files.sshUserCA, comment: "\(cluster) user CA")
        try SSHKeyFiles.writePrivateKey(hostKey, to: files.sshHostCA, comment: "\(cluster) host CA")
        try SecureFile.write(PEMCoding.pem(of: tlsCA.privateKey), to: files.tlsCAKey, mode: 0o600)
        try SecureFile.write(try PEMCoding.pem(of: tlsCA.certificate), to: files.tlsCACertificate, mode: 0o644)
        return ClusterAuthority(
            cluster: cluster,
            userCA: SSHCertificateAuthority(signingKey: userKey, clock: clock),
            hostCA: SSHCertificateAuthority(signingKey: hostKey, clock: clock),
            tlsCA: tlsCA
        )
    }

    /// PEM of the TLS CA certificate.
    public var tlsCAPEM: String {
        // A certificate that was parsed or created always serializes.
        (try? PEMCoding.pem(of: tlsCA.certificate)) ?? ""
    }

    /// What anyone may learn about the cluster before trusting it.
    public func clusterInfo(proxyPublicAddress: String?) -> ClusterInfo {
        ClusterInfo(
            cluster: cluster,
            tlsCA: tlsCAPEM,
            tlsCAPin: tlsCA.pin.description,
            sshUserCA: userCA.publicKey.authorizedKeyLine(),
            sshHostCA: hostCA.publicKey.authorizedKeyLine(),
            proxyPublicAddress: proxyPublicAddress
        )
    }

    /// The public halves as `cert_authority` resources (named `user`, `host`, `tls`).
    public var certAuthorityResources: [CertAuthority] {
        [
            CertAuthority(name: CertAuthoritySpec.AuthorityType.user.rawValue, spec: CertAuthoritySpec(
                cluster: cluster, type: .user, sshPublicKeys: [userCA.publicKey.authorizedKeyLine()])),
            CertAuthority(name: CertAuthoritySpec.AuthorityType.host.rawValue, spec: CertAuthoritySpec(
                cluster: cluster, type: .host, sshPublicKeys: [hostCA.publicKey.authorizedKeyLine()])),
            CertAuthority(name: CertAuthoritySpec.AuthorityType.tls.rawValue, spec: CertAuthoritySpec(
                cluster: cluster, type: .tls, tlsCertificates: [tlsCAPEM])),
        ]
    }
}
