import NIOCore
import NIOSSL
import TetherAPI
import TetherCore

/// TLS configurations for Tether's links: TLS 1.3 only, certificates checked
/// against the cluster's own CA (never the system store), host names not
/// checked (peers are identified by the identity in their certificate, and
/// devices move between addresses): a client checks its server's role and
/// cluster after the handshake (`ExpectedServer`, `ServerIdentityCheck`).
public enum TLSSettings {
    /// Whether a server asks its clients for a certificate.
    public enum ClientCertificates: Sendable {
        /// Every client must present one that chains to a trusted CA.
        case required
        /// Checked if presented (the proxy's one port: logins come without one).
        case optional
    }

    public static func server(
        _ credentials: TLSCredentials,
        clientCertificates: ClientCertificates,
        applicationProtocols: [String]
    ) throws(TetherError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try credentials.certificateChain(),
            privateKey: try credentials.privateKey()
        )
        configuration.minimumTLSVersion = .tlsv13
        configuration.trustRoots = try credentials.trustRoots()
        configuration.certificateVerification = switch clientCertificates {
        case .required: .noHostnameVerification
        case .optional: .optionalVerification
        }
        configuration.applicationProtocols = applicationProtocols
        configuration.shutdownTimeout = closeNotifyWait
        return configuration
    }

    /// A client that presents `credentials` (if any) and trusts `trustedCAPEMs`.
    public static func client(
        credentials: TLSCredentials?,
        trustedCAPEMs: [String],
        applicationProtocols: [String] = []
    ) throws(TetherError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = try TLSCredentials(certificatePEM: "", privateKeyPEM: "", trustedCAPEMs: trustedCAPEMs).trustRoots()
        if let credentials {
            configuration.certificateChain = try credentials.certificateChain()
            configuration.privateKey = try credentials.privateKey()
        }
        configuration.applicationProtocols = applicationProtocols
        return configuration
    }

    /// How long closing waits for the peer's close_notify. A tunnel is
    /// closed mostly because its path died, when no answer will come: waiting
    /// NIOSSL's default 5 s would only delay noticing and re-dialling.
    static let closeNotifyWait: TimeAmount = .seconds(1)

    /// The dialling end of a reverse tunnel (a node, or a leaf's proxy):
    /// presents `credentials`, trusts only `trustedCAPEMs`, ALPN `tether-tunnel/1`.
    static func tunnelDialler(credentials: TLSCredentials, trustedCAPEMs: [String]) throws(TetherError) -> TLSConfiguration {
        var configuration = try client(credentials: credentials, trustedCAPEMs: trustedCAPEMs, applicationProtocols: [ALPN.tunnel])
        configuration.shutdownTimeout = closeNotifyWait
        return configuration
    }

    /// First contact with a cluster whose CA is not known yet: the server's
    /// certificate is not checked here; the caller must then check the CA it
    /// learns against a pin (or the user's explicit `--insecure`).
    static func unverifiedClient(applicationProtocols: [String] = []) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .none
        configuration.applicationProtocols = applicationProtocols
        return configuration
    }
}
