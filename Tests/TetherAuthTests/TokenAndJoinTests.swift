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

        // A reinstall that kept its host key joins again as the same host.
        let again = try fixture.core.join.join(try keys.joinRequest(token: issued.secret, node: "robot-17"), remoteAddress: nil)
        #expect(again.hostID == response.hostID)
    }

    @Test func anotherKeyCannotTakeAHeldNameUntilTheNodeIsRemoved() throws {
        let fixture = try Fixture()
        let original = ClientKeys()
        let first = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        let joined = try fixture.core.join.join(try original.joinRequest(token: first.secret, node: "prod-db"), remoteAddress: nil)

        let stolen = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        let attacker = ClientKeys()
        let refused = try #require(throws: TetherError.self) {
            try fixture.core.join.join(try attacker.joinRequest(token: stolen.secret, node: "prod-db"), remoteAddress: "10.6.6.6")
        }
        #expect(refused.code == .accessDenied)
        #expect(refused.message == "node name prod-db is taken by host \(joined.hostID) with another host key; to give the name to this machine remove the node first (tetherctl rm node/prod-db) or join with a token made by tetherctl tokens add --type node --node prod-db.")
        let record = try #require(try fixture.core.resources.node("prod-db"))
        #expect(record.spec.hostID == joined.hostID)
        #expect(record.spec.sshHostKey == original.ssh.publicKey.authorizedKeyLine())
        let failures = try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed], node: "prod-db"))
        #expect(failures.count == 1)
        #expect(failures.first?.event.remoteAddr == "10.6.6.6")

        // The refused join did not use the token up: after an admin removes the node, it joins.
        try fixture.core.admin.remove(.node, name: "prod-db")
        let replacement = try fixture.core.join.join(try attacker.joinRequest(token: stolen.secret, node: "prod-db"), remoteAddress: nil)
        #expect(replacement.hostID != joined.hostID)
    }

    @Test func aTokenMadeForANameHandsItToANewKeyAndAdmitsNoOtherName() throws {
        let fixture = try Fixture()
        let first = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        let joined = try fixture.core.join.join(try ClientKeys().joinRequest(token: first.secret, node: "prod-db"), remoteAddress: nil)

        let named = try fixture.core.tokens.create(type: .node, ttl: .hours(1), node: "prod-db")
        let newMachine = ClientKeys()
        let wrongName = try #require(throws: TetherError.self) {
            try fixture.core.join.join(try newMachine.joinRequest(token: named.secret, node: "robot-17"), remoteAddress: nil)
        }
        #expect(wrongName.message == "join token \(named.token.name) is for node prod-db, not robot-17; set node.name to prod-db or make a token for robot-17.")
        let replaced = try fixture.core.join.join(try newMachine.joinRequest(token: named.secret, node: "prod-db"), remoteAddress: nil)
        #expect(replaced.hostID != joined.hostID)
        #expect(try fixture.core.resources.node("prod-db")?.spec.sshHostKey == newMachine.ssh.publicKey.authorizedKeyLine())
        #expect(throws: TetherError.self) { try fixture.core.tokens.create(type: .trustedCluster, ttl: .hours(1), node: "prod-db") }
        #expect(throws: TetherError.self) { try fixture.core.tokens.create(type: .node, ttl: .hours(1), node: "prod*") }
    }

    @Test func nodeNamesThatOpenSSHReadsAsPatternsOrMarkersAreRefused() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1), reusable: true)
        for name in ["*", "db,prod-db", "@cert-authority", "-oProxyCommand=x", "a b", "db.", "x\nhost"] {
            let refused = try #require(throws: TetherError.self) {
                try fixture.core.join.join(try ClientKeys().joinRequest(token: issued.secret, node: name), remoteAddress: nil)
            }
            #expect(refused.code == .invalidArgument)
            #expect(refused.message.hasSuffix("is not a valid node name; use letters, digits, - and _ in dot-separated parts that each start with a letter or digit (at most 253 characters), e.g. robot-17."))
        }
        #expect(try fixture.core.resources.nodes().isEmpty)
    }

    @Test func aJoinStoresOnlyTheKeyNotWhatItsLineCarries() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        let keys = ClientKeys()
        var request = try keys.joinRequest(token: issued.secret, node: "robot-17")
        request.sshPublicKey += " comment\n@cert-authority * " + SSHPrivateKey.generate(.ed25519).publicKey.authorizedKeyLine()
        #expect(throws: TetherError.self) { try fixture.core.join.join(request, remoteAddress: nil) }
        request.sshPublicKey = keys.ssh.publicKey.authorizedKeyLine(comment: "root@robot-17")
        _ = try fixture.core.join.join(request, remoteAddress: nil)
        #expect(try fixture.core.resources.node("robot-17")?.spec.sshHostKey == keys.ssh.publicKey.authorizedKeyLine())
    }
}
