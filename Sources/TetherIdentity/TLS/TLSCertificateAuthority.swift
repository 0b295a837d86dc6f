import Crypto
import Foundation
import SwiftASN1
import TetherCore
import X509

/// A cluster's self-signed X.509 CA (ECDSA P-256) and the leaf certificates
/// it issues for mutual TLS. Leaves encode a `TLSIdentity`.
public struct TLSCertificateAuthority: Sendable {
    public let certificate: Certificate
    public let privateKey: P256.Signing.PrivateKey
    public let clusterName: String
    /// The pin clients check on first contact (`sha256:…`).
    public let pin: CAPin
    public let clock: any WallClock

    /// Leaves start this long before "now", for peers whose clocks lag.
    static let clockSkewAllowance: TimeInterval = 60

    /// Creates a new CA for `clusterName`, valid from now for `validity`.
    public static func create(clusterName: String, validity: TimeSpan, clock: any WallClock) throws(TetherError) -> TLSCertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let now = clock.now()
        let certificate: Certificate
        do {
            let name = try DistinguishedName {
                CommonName("\(clusterName) CA")
                OrganizationName(clusterName)
            }
            certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: now.addingTimeInterval(-clockSkewAllowance),
                notValidAfter: now.addingTimeInterval(validity.timeInterval),
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                },
                issuerPrivateKey: Certificate.PrivateKey(key)
            )
        } catch {
            throw TetherError(.internal, "cannot create the TLS CA certificate for cluster \(clusterName): \(error).")
        }
        return try TLSCertificateAuthority(certificate: certificate, privateKey: key, clock: clock)
    }

    /// Loads an existing CA. The key must match the certificate, which must
    /// be a CA naming its cluster in O.
    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey, clock: any WallClock) throws(TetherError) {
        guard certificate.publicKey == Certificate.PublicKey(privateKey.publicKey) else {
            throw TetherError(.invalidArgument, "the TLS CA private key does not belong to CA certificate \(certificate.subject).")
        }
        guard case .isCertificateAuthority = (try? certificate.extensions.basicConstraints) ?? nil else {
            throw TetherError(.invalidArgument, "certificate \(certificate.subject) is not a CA (basicConstraints CA:TRUE is missing).")
        }
        self.clusterName = try Self.clusterName(of: certificate)
        self.certificate = certificate
        self.privateKey = privateKey
        self.pin = try CAPin(certificate: certificate)
        self.clock = clock
    }

    /// The cluster a CA certificate names in its subject's O.
    public static func clusterName(of certificate: Certificate) throws(TetherError) -> String {
        guard let cluster = certificate.subject.flatMap({ $0 }).first(where: { $0.type == .RDNAttributeType.organizationName }).flatMap({ String($0.value) }) else {
            throw TetherError(.invalidArgument, "CA certificate \(certificate.subject) names no cluster in O.")
        }
        return cluster
    }

    /// A leaf for `kind`/`name` in this cluster, holding `roles` as OUs.
    public func issueCertificate(
        kind: TLSIdentity.Kind,
        name: String,
        roles: [String] = [],
        publicKey: P256.Signing.PublicKey,
        usage: TLSKeyUsage,
        dnsNames: [String] = [],
        ipAddresses: [String] = [],
        originCluster: String? = nil,
        ttl: TimeSpan
    ) throws(TetherError) -> Certificate {
        let identity = TLSIdentity(kind: kind, name: name, cluster: clusterName, roles: roles, originCluster: originCluster)
        var alternativeNames: [GeneralName] = dnsNames.map { .dnsName($0) }
        for address in ipAddresses {
            guard let bytes = IPAddressBytes.parse(address) else {
                throw TetherError(.invalidArgument, "\"\(address)\" is not an IPv4 or IPv6 address; give addresses like 10.0.0.5 or ::1.")
            }
            alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
        }
        alternativeNames.append(.uniformResourceIdentifier(identity.uri))
        let now = clock.now()
        do {
            let leafKey = Certificate.PublicKey(publicKey)
            return try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: leafKey,
                notValidBefore: now.addingTimeInterval(-Self.clockSkewAllowance),
                notValidAfter: now.addingTimeInterval(ttl.timeInterval),
                issuer: certificate.subject,
                subject: try identity.distinguishedName(),
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage(usage.extendedKeyUsages)
                    SubjectAlternativeNames(alternativeNames)
                    SubjectKeyIdentifier(hash: leafKey)
                    AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier)
                },
                issuerPrivateKey: Certificate.PrivateKey(privateKey)
            )
        } catch {
            throw TetherError(.internal, "cannot issue a TLS certificate for \(identity): \(error).")
        }
    }

    /// A host's certificate: serves TLS under `dnsNames`/`ipAddresses` and
    /// also authenticates the host when it dials other services.
    public func issueServerCertificate(
        hostID: String,
        publicKey: P256.Signing.PublicKey,
        dnsNames: [String],
        ipAddresses: [String] = [],
        roles: [String] = [],
        ttl: TimeSpan
    ) throws(TetherError) -> Certificate {
        try issueCertificate(kind: .host, name: hostID, roles: roles, publicKey: publicKey, usage: [.server, .client],
                             dnsNames: dnsNames, ipAddresses: ipAddresses, ttl: ttl)
    }

    /// A user's client certificate; `originCluster` for a user of a trusted
    /// root whose certificate this cluster re-issues.
    public func issueClientCertificate(
        user: String, roles: [String], publicKey: P256.Signing.PublicKey, originCluster: String? = nil, ttl: TimeSpan
    ) throws(TetherError) -> Certificate {
        try issueCertificate(kind: .user, name: user, roles: roles, publicKey: publicKey, usage: .client, originCluster: originCluster, ttl: ttl)
    }
}
