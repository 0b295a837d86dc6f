import Foundation
import Testing
import TetherAPI
@testable import TetherAuth
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage

@Suite struct TokenAndJoinTests {
    @Test func onlyTheHashOfATokenIsStored() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        #expect(issued.secret.count == 64)
        let stored = try #require(try fixture.core.store.get(kind: "token", name: issued.token.name))
        #expect(!String(decoding: stored.json, as: UTF8.self).contains(issued.secret))
        #expect(issued.token.spec.secretHash == JoinTokens.hash(issued.secret))
    }

    @Test func aNodeTokenWorksOnce() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        _ = try fixture.core.tokens.redeem(issued.secret, as: .node)
        #expect(throws: TetherError.self) { try fixture.core.tokens.redeem(issued.secret, as: .node) }
    }

    @Test func aReusableTokenWorksUntilItExpires() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1), reusable: true)
        _ = try fixture.core.tokens.redeem(issued.secret, as: .node)
        _ = try fixture.core.tokens.redeem(issued.secret, as: .node)
        fixture.clock.advance(seconds: 3601)
        #expect(throws: TetherError.self) { try fixture.core.tokens.redeem(issued.secret, as: .node) }
    }

    @Test func wrongTokensAreRefusedAlike() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .trustedCluster, ttl: .hours(1))
        // Same id (hash prefix) is impossible to forge; a wrong secret, a wrong type and garbage all fail the same way.
        let wrongType = try #require(throws: TetherError.self) { try fixture.core.tokens.redeem(issued.secret, as: .node) }
        let wrongSecret = try #require(throws: TetherError.self) { try fixture.core.tokens.redeem(String(repeating: "0", count: 64), as: .node) }
        #expect(wrongType == wrongSecret)
        #expect(try fixture.core.tokens.redeem(issued.secret, as: .trustedCluster).name == issued.token.name)
    }

    @Test func joinWithABadProofIsRefusedAndKeepsTheToken() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        let keys = ClientKeys()
        let forged = try keys.joinRequest(token: issued.secret, node: "robot-17", signWith: .generate(.ed25519))
        let error = try #require(throws: TetherError.self) { try fixture.core.join.join(forged, remoteAddress: nil) }
        #expect(error.code == .verificationFailed)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).count == 1)
        _ = try fixture.core.join.join(try keys.joinRequest(token: issued.secret, node: "robot-17"), remoteAddress: nil)
    }

    @Test func joinIssuesHostIdentityAndKeepsItForTheSameKey() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1), labels: ["customer": "acme"], reusable: true)
        let keys = ClientKeys()
        let response = try fixture.core.join.join(try keys.joinRequest(token: issued.secret, node: "robot-17"), remoteAddress: "10.0.0.9")

        let hostCertificate = try SSHCertificate(authorizedKeyLine: response.sshHostCertificate)
        #expect(hostCertificate.type == .host)
        #expect(hostCertificate.principals == ["robot-17", response.hostID])
        let tls = try #require(try PEMCoding.certificates(fromPEM: response.tlsCertificate).first)
        #expect(try TLSIdentity(certificate: tls) == TLSIdentity(kind: .host, name: response.hostID, cluster: Fixture.cluster, roles: ["node"]))
        #expect(response.tokenLabels == ["customer": "acme"])
        let node = try #require(try fixture.core.resources.node("robot-17"))
        #expect(node.spec.hostID == response.hostID)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.nodeJoin], node: "robot-17")).count == 1)

        let again = try fixture.core.join.join(try keys.joinRequest(token: issued.secret, node: "robot-17"), remoteAddress: nil)
        #expect(again.hostID == response.hostID)
        let replaced = try fixture.core.join.join(try ClientKeys().joinRequest(token: issued.secret, node: "robot-17"), remoteAddress: nil)
        #expect(replaced.hostID != response.hostID)
    }
}
