import TetherTestSupport
import Crypto
import Foundation
import Testing
import TetherCore
import X509
@testable import TetherIdentity

@Suite struct TLSAuthorityTests {
    let authority: TLSCertificateAuthority

    init() throws {
        authority = try TLSCertificateAuthority.create(clusterName: "acme", validity: TimeSpan(parsing: "3650d"), clock: Fixtures.clock)
    }

    func verifier(clock: any WallClock = Fixtures.clock, trusting cas: [Certificate]? = nil) -> TLSCertificateVerifier {
        TLSCertificateVerifier(trustedCAs: cas ?? [authority.certificate], clock: clock)
    }

    @Test func caIsASelfSignedCertificateAuthority() throws {
        let ca = authority.certificate
        #expect(ca.issuer == ca.subject)
        #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try ca.extensions.keyUsage?.keyCertSign == true)
        #expect(authority.clusterName == "acme")
    }

    @Test func serverCertificateEncodesTheHostIdentity() async throws {
        let key = P256.Signing.PrivateKey()
        let leaf = try authority.issueServerCertificate(
            hostID: "node-7", publicKey: key.publicKey, dnsNames: ["node-7.acme", "localhost"], ipAddresses: ["127.0.0.1", "::1"], ttl: .hours(24)
        )
        let expected = TLSIdentity(kind: .host, name: "node-7", cluster: "acme")
        #expect(try TLSIdentity(certificate: leaf) == expected)
        #expect(try await verifier().verify(leaf, for: .server) == expected)

        let sans = try #require(try leaf.extensions.subjectAlternativeNames)
        #expect(sans.contains(.dnsName("node-7.acme")))
        #expect(sans.contains(.uniformResourceIdentifier("tether://acme/host/node-7")))
        #expect(sans.contains { if case .ipAddress(let bytes) = $0 { Array(bytes.bytes) == [127, 0, 0, 1] } else { false } })
        #expect(try leaf.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
    }

    @Test func clientCertificateEncodesUserAndRoles() async throws {
        let leaf = try authority.issueClientCertificate(user: "alice smith", roles: ["access", "ops"], publicKey: P256.Signing.PrivateKey().publicKey, ttl: .hours(8))
        let identity = try await verifier().verify(leaf, for: .client)
        #expect(identity == TLSIdentity(kind: .user, name: "alice smith", cluster: "acme", roles: ["access", "ops"]))
        #expect(identity.uri == "tether://acme/user/alice%20smith")

        let visitor = try authority.issueClientCertificate(
            user: "alice", roles: ["ops"], publicKey: P256.Signing.PrivateKey().publicKey, originCluster: "hub one", ttl: .hours(1))
        let visitorIdentity = try await verifier().verify(visitor, for: .client)
        #expect(visitorIdentity == TLSIdentity(kind: .user, name: "alice", cluster: "acme", roles: ["ops"], originCluster: "hub one"))
        #expect(visitorIdentity.uri == "tether://acme/user/alice?origin=hub%20one")

        let error = await #expect(throws: TetherError.self) { try await verifier().verify(leaf, for: .server) }
        #expect(error?.code == .accessDenied)
    }

    @Test func leafDoesNotVerifyUnderAnotherCA() async throws {
        let other = try TLSCertificateAuthority.create(clusterName: "acme", validity: .hours(24), clock: Fixtures.clock)
        let leaf = try other.issueClientCertificate(user: "mallory", roles: ["admin"], publicKey: P256.Signing.PrivateKey().publicKey, ttl: .hours(1))

        let error = await #expect(throws: TetherError.self) { try await verifier().verify(leaf, for: .client) }
        #expect(error?.code == .verificationFailed)
        #expect(error?.message.contains(authority.pin.description) == true)
    }

    @Test func trustedForeignCACannotSpeakForThisCluster() async throws {
        let evil = try TLSCertificateAuthority.create(clusterName: "evil", validity: .hours(24), clock: Fixtures.clock)
        let trustingBoth = verifier(trusting: [authority.certificate, evil.certificate])
        let honest = try evil.issueClientCertificate(user: "mallory", roles: [], publicKey: P256.Signing.PrivateKey().publicKey, ttl: .hours(1))
        #expect(try await trustingBoth.verify(honest, for: .client).cluster == "evil")

        // A leaf evil's CA signed while claiming to be an acme user.
        let forged = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(P256.Signing.PrivateKey().publicKey),
            notValidBefore: Fixtures.issuedAt.addingTimeInterval(-60), notValidAfter: Fixtures.issuedAt.addingTimeInterval(3600),
            issuer: evil.certificate.subject,
            subject: try DistinguishedName { CommonName("alice"); OrganizationName("acme"); OrganizationalUnitName("admin") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                try ExtendedKeyUsage([.clientAuth])
                SubjectAlternativeNames([.uniformResourceIdentifier("tether://acme/user/alice")])
            },
            issuerPrivateKey: .init(evil.privateKey)
        )
        let error = await #expect(throws: TetherError.self) { try await trustingBoth.verify(forged, for: .client) }
        #expect(error?.code == .verificationFailed)
        #expect(error?.message.contains("claims cluster acme") == true)
    }

    @Test func expiryFollowsTheInjectedClock() async throws {
        let leaf = try authority.issueClientCertificate(user: "alice", roles: [], publicKey: P256.Signing.PrivateKey().publicKey, ttl: .hours(1))
        _ = try await verifier(clock: Fixtures.clock(after: 3599)).verify(leaf, for: .client)

        let late = await #expect(throws: TetherError.self) { try await verifier(clock: Fixtures.clock(after: 3601)).verify(leaf, for: .client) }
        #expect(late?.code == .expired)
        #expect(late?.message.contains("expired at 2026-11-23T11:00:00Z") == true)
        let early = await #expect(throws: TetherError.self) { try await verifier(clock: Fixtures.clock(after: -120)).verify(leaf, for: .client) }
        #expect(early?.code == .expired)
    }

    @Test func pinIsSHA256OfTheSubjectPublicKeyInfo() throws {
        let pin = authority.pin
        #expect(pin.description.hasPrefix("sha256:"))
        #expect(pin.description.count == "sha256:".count + 64)
        #expect(pin.description == pin.description.lowercased())
        #expect(try CAPin(parsing: pin.description) == pin)
        #expect(try CAPin(parsing: pin.description.uppercased().replacingOccurrences(of: "SHA256", with: "sha256")) == pin)
        #expect(pin.matches(authority.certificate))

        let other = try TLSCertificateAuthority.create(clusterName: "acme", validity: .hours(1), clock: Fixtures.clock)
        #expect(pin != other.pin)
        #expect(!pin.matches(other.certificate))
        for bad in ["", "sha256:", "md5:" + String(repeating: "0", count: 64), "sha256:" + String(repeating: "g", count: 64), "sha256:" + String(repeating: "0", count: 63)] {
            #expect(throws: TetherError.self) { try CAPin(parsing: bad) }
        }
    }

    @Test(.enabled(if: ProcessSupport.isExecutable("/usr/bin/openssl"), "openssl is not installed"))
    func pinMatchesOpenSSLsDigestOfTheKey() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let caPath = try directory.write(try PEMCoding.pem(of: authority.certificate), to: "ca.pem")
        let publicKeyPath = directory.path("ca.der")
        let extract = try ProcessSupport.run("/usr/bin/openssl", ["x509", "-in", caPath, "-noout", "-pubkey", "-out", directory.path("ca.pubkey.pem")], in: directory)
        #expect(extract.status == 0, "\(extract.stderr)")
        let convert = try ProcessSupport.run("/usr/bin/openssl", ["pkey", "-pubin", "-in", directory.path("ca.pubkey.pem"), "-outform", "DER", "-out", publicKeyPath], in: directory)
        #expect(convert.status == 0, "\(convert.stderr)")
        let der = try #require(FileManager.default.contents(atPath: publicKeyPath))
        let hex = SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
        #expect(authority.pin.description == "sha256:" + hex)
    }

    @Test func pemRoundTripsCertificatesAndKeys() throws {
        let key = P256.Signing.PrivateKey()
        let leaf = try authority.issueClientCertificate(user: "alice", roles: ["ops"], publicKey: key.publicKey, ttl: .hours(1))
        let bundle = try PEMCoding.pem(of: leaf) + "\n" + PEMCoding.pem(of: authority.certificate)
        #expect(try PEMCoding.certificates(fromPEM: bundle) == [leaf, authority.certificate])
        #expect(try PEMCoding.p256PrivateKey(fromPEM: PEMCoding.pem(of: key)).rawRepresentation == key.rawRepresentation)

        let reloaded = try TLSCertificateAuthority(
            certificate: try #require(PEMCoding.certificates(fromPEM: PEMCoding.pem(of: authority.certificate)).first),
            privateKey: try PEMCoding.p256PrivateKey(fromPEM: PEMCoding.pem(of: authority.privateKey)),
            clock: Fixtures.clock
        )
        #expect(reloaded.pin == authority.pin)
        #expect(throws: TetherError.self) { try PEMCoding.certificates(fromPEM: "not pem") }
        #expect(throws: TetherError.self) {
            try TLSCertificateAuthority(certificate: authority.certificate, privateKey: P256.Signing.PrivateKey(), clock: Fixtures.clock)
        }
    }

    @Test func badIPAddressIsAnInvalidArgument() throws {
        let error = try #require(throws: TetherError.self) {
            try authority.issueServerCertificate(hostID: "n", publicKey: P256.Signing.PrivateKey().publicKey, dnsNames: [], ipAddresses: ["300.1.1.1"], ttl: .hours(1))
        }
        #expect(error.code == .invalidArgument)
    }
}
