import Crypto
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport

/// A TLS identity the auth service issued to a service running beside it
/// (the proxy, or its own listener), with the cluster it belongs to.
public struct ServiceIdentity: Sendable {
    public let credentials: TLSCredentials
    public let clusterInfo: ClusterInfo
}

extension AuthCore {
    /// How long in-process service certificates last; services get a new one at every start.
    public static let serviceCertificateTTL = TimeSpan(seconds: 365 * 86_400)

    /// A host certificate (OU `role`, CN `name`) for a co-located service,
    /// valid for TLS serving under `addresses` (host, host:port or IP) and
    /// as a client. The key never leaves this process.
    public func issueServiceIdentity(role: String, name: String, addresses: [String]) throws(TetherError) -> ServiceIdentity {
        let key = P256.Signing.PrivateKey()
        let split = AddressList(addresses)
        let certificate = try authority.tlsCA.issueServerCertificate(
            hostID: name, publicKey: key.publicKey, dnsNames: split.dnsNames, ipAddresses: split.ipAddresses,
            roles: [role], ttl: Self.serviceCertificateTTL)
        try audit.record(AuthEvent.certCreate) { event in
            event.fields["cert_type"] = .string("service")
            event.fields["service_role"] = .string(role)
            event.fields["host_id"] = .string(name)
        }
        return ServiceIdentity(
            credentials: TLSCredentials(
                certificatePEM: try PEMCoding.pem(of: certificate), privateKeyPEM: PEMCoding.pem(of: key),
                trustedCAPEMs: [authority.tlsCAPEM]),
            clusterInfo: authority.clusterInfo(proxyPublicAddress: proxyPublicAddress)
        )
    }
}
