import Foundation
import Testing
import TetherAPI
@testable import TetherAuth
import TetherCore
import TetherIdentity
import X509

/// Issue 11, finding 3: a node's TLS certificate names it by the host ID
/// the cluster assigned (no DNS or IP names of its choosing) and may serve
/// TLS only if the node joined as a direct node, at join and at renewal alike.
@Suite struct NodeCertificateTests {
    @Test func aTunnelNodesCertificateCannotServeWhateverItAsksFor() async throws {
        let fixture = try Fixture()
        let keys = ClientKeys()
        let token = try fixture.core.tokens.create(type: .node, ttl: .hours(1)).secret
        let joined = try fixture.core.join.join(
            try keys.joinRequest(token: token, node: "robot-17", addresses: ["127.0.0.1", "proxy.example.test"]), remoteAddress: nil)
        try await expectNodeCertificate(joined.tlsCertificate, hostID: joined.hostID, serves: false, fixture)
        let renewed = try fixture.core.join.renew(
            HostRenewalRequest(tlsPublicKey: keys.tls.publicKey.pemRepresentation, addresses: ["127.0.0.1"]), hostID: joined.hostID, remoteAddress: nil)
        try await expectNodeCertificate(renewed.tlsCertificate, hostID: joined.hostID, serves: false, fixture)
    }

    @Test func aDirectNodesCertificateServesUnderItsHostIDOnly() async throws {
        let fixture = try Fixture()
        let keys = ClientKeys()
        let token = try fixture.core.tokens.create(type: .node, ttl: .hours(1)).secret
        let joined = try fixture.core.join.join(
            try keys.joinRequest(token: token, node: "site-server", addresses: ["10.0.0.5"], listen: "10.0.0.5:3022"), remoteAddress: nil)
        try await expectNodeCertificate(joined.tlsCertificate, hostID: joined.hostID, serves: true, fixture)
        let renewed = try fixture.core.join.renew(
            HostRenewalRequest(tlsPublicKey: keys.tls.publicKey.pemRepresentation, addresses: []), hostID: joined.hostID, remoteAddress: nil)
        try await expectNodeCertificate(renewed.tlsCertificate, hostID: joined.hostID, serves: true, fixture)
    }

    private func expectNodeCertificate(_ pem: String, hostID: String, serves: Bool, _ fixture: Fixture) async throws {
        let certificate = try #require(try PEMCoding.certificates(fromPEM: pem).first)
        let identity = try TLSIdentity(certificate: certificate)
        #expect(identity.kind == .host && identity.name == hostID && identity.roles == [ForwardedIdentity.nodeRole])
        #expect(Array(try #require(try certificate.extensions.subjectAlternativeNames)) == [.uniformResourceIdentifier(identity.uri)])
        let verifier = TLSCertificateVerifier(trustedCAs: [fixture.core.authority.tlsCA.certificate], clock: fixture.core.clock)
        _ = try await verifier.verify(certificate, for: .client)
        if serves {
            _ = try await verifier.verify(certificate, for: .server)
        } else {
            await #expect(throws: TetherError.self) { try await verifier.verify(certificate, for: .server) }
        }
    }
}
