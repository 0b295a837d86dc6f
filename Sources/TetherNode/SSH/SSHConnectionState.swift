import TetherIdentity

/// What one SSH connection knows: the certificate the proxy delivered with
/// the stream, where the user came from, and, once user auth succeeded,
/// the admission. Confined to the connection's event loop.
final class SSHConnectionState {
    let certificate: SSHCertificate
    let remoteAddress: String?
    var admission: Admission?

    init(certificate: SSHCertificate, remoteAddress: String?) {
        self.certificate = certificate
        self.remoteAddress = remoteAddress
    }
}
