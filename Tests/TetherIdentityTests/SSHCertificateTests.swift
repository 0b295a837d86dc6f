import Foundation
import Testing
import TetherCore
@testable import TetherIdentity

@Suite struct SSHCertificateTests {
    static let algorithmPairs = SSHKeyAlgorithm.allCases.flatMap { subject in SSHKeyAlgorithm.allCases.map { (subject, $0) } }

    @Test(arguments: algorithmPairs)
    func serializeThenParseGivesTheSameCertificate(subject: SSHKeyAlgorithm, ca: SSHKeyAlgorithm) throws {
        let caKey = SSHPrivateKey.generate(ca)
        let certificate = try Fixtures.userCertificate(ca: caKey, subject: SSHPrivateKey.generate(subject).publicKey)

        let parsed = try SSHCertificate(wireBlob: certificate.wireBlob)
        #expect(parsed == certificate)
        #expect(parsed.fields == certificate.fields)
        #expect(parsed.signatureKey == caKey.publicKey)
        #expect(parsed.hasValidSignature)

        let line = certificate.authorizedKeyLine(comment: "alice")
        #expect(line.hasPrefix(subject.certificateTypeName + " AAAA"))
        #expect(try SSHCertificate(authorizedKeyLine: line) == certificate)
    }

    @Test func issuedUserCertificateCarriesIdentityWindowAndPermissions() throws {
        let subject = SSHPrivateKey.generate(.ed25519).publicKey
        let certificate = try Fixtures.userCertificate(ca: .generate(.ed25519), subject: subject)
        let now = UInt64(Fixtures.issuedAt.timeIntervalSince1970)

        #expect(certificate.type == .user)
        #expect(certificate.publicKey == subject)
        #expect(certificate.keyID == "alice@acme")
        #expect(certificate.serial == 42)
        #expect(certificate.principals == ["root", "deploy"])
        #expect(certificate.validAfter == now - 60)
        #expect(certificate.validBefore == now + 8 * 3600)
        #expect(certificate.nonce.count == 32)
        #expect(try TetherCertificateIdentity(certificate: certificate) == Fixtures.identity)
        #expect(OpenSSHPermissions(extensions: certificate.extensions) == .all)
        #expect(certificate.extensions["tether-roles@tether"] == #"["access","ops"]"#)
    }

    @Test func everyCertificateGetsItsOwnNonce() throws {
        let caKey = SSHPrivateKey.generate(.ed25519)
        let subject = SSHPrivateKey.generate(.ed25519).publicKey
        let first = try Fixtures.userCertificate(ca: caKey, subject: subject)
        let second = try Fixtures.userCertificate(ca: caKey, subject: subject)
        #expect(first.nonce != second.nonce)
        #expect(first != second)
    }

    @Test func federatedIdentityRoundTripsThroughExtensions() throws {
        var identity = Fixtures.identity
        identity.originCluster = "root"
        identity.originRoles = ["admin"]
        #expect(try TetherCertificateIdentity(extensions: identity.extensions) == identity)
        #expect(identity.extensions["tether-origin-roles@tether"] == #"["admin"]"#)
    }

    @Test func optionValuesAreNestedStringsAndSurviveParsing() throws {
        let fields = SSHCertificateFields(
            publicKey: SSHPrivateKey.generate(.ed25519).publicKey, serial: 1, type: .user, keyID: "k",
            principals: ["root"], validAfter: 0, validBefore: .max,
            criticalOptions: ["source-address": "10.0.0.0/8", "force-command": "/bin/true"],
            extensions: ["permit-pty": ""]
        )
        let parsed = try SSHCertificate(wireBlob: try fields.signed(by: .generate(.ed25519)).wireBlob)
        #expect(parsed.criticalOptions == fields.criticalOptions)
        #expect(parsed.extensions == ["permit-pty": ""])
    }

    @Test func issuingWithoutPrincipalsIsRefused() throws {
        let authority = SSHCertificateAuthority(signingKey: .generate(.ed25519), clock: Fixtures.clock)
        let error = try #require(throws: TetherError.self) {
            try authority.issueUserCertificate(for: SSHPrivateKey.generate(.ed25519).publicKey, identity: Fixtures.identity, principals: [], ttl: .hours(1))
        }
        #expect(error.code == .invalidArgument)
    }

    @Test func hostCertificatesNameTheHost() throws {
        let authority = SSHCertificateAuthority(signingKey: .generate(.ecdsaP256), clock: Fixtures.clock)
        let hostKey = SSHPrivateKey.generate(.ed25519).publicKey
        let certificate = try authority.issueHostCertificate(for: hostKey, hostID: "node-7", principals: ["node-7", "node-7.acme"], ttl: .hours(24))
        #expect(certificate.type == .host)
        #expect(certificate.keyID == "node-7")
        #expect(certificate.extensions.isEmpty)
        try SSHCertificateVerifier.host(hostName: "node-7.acme", trustedCAs: [authority.publicKey], clock: Fixtures.clock, presentedKey: hostKey)
            .verify(certificate)
    }
}
