import Crypto
import Foundation
import NIOPosix
import Testing
import TetherAPI
@testable import TetherAuth
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage
import X509

/// A root `hub` and a leaf `acme-dallas` in two data directories sharing a
/// clock; the trust is registered on the root and stored on the leaf as
/// `TrustedRoots.establish` would after the network exchange.
private struct Trust {
    let clock = SteppingClock()
    let rootDirectory: TemporaryDirectory
    let leafDirectory: TemporaryDirectory
    let root: AuthCore
    let leaf: AuthCore

    init(roleMap: [RoleMapEntry] = [RoleMapEntry(remote: "^acme-(.*)$", local: ["site-$1"])]) throws {
        rootDirectory = try TemporaryDirectory()
        leafDirectory = try TemporaryDirectory()
        root = try AuthCore(cluster: "hub", dataDirectory: rootDirectory.file("data"), passwordCost: testPasswordCost, clock: clock)
        leaf = try AuthCore(cluster: "acme-dallas", dataDirectory: leafDirectory.file("data"), passwordCost: testPasswordCost, clock: clock)
        try leaf.admin.create([.role(Role(name: "site-support", spec: RoleSpec(
            allow: RoleConditions(logins: ["{{internal.logins}}"], nodeLabels: ["customer": ["acme"]]),
            options: RoleOptions(maxSessionTTL: .hours(1)))))], replace: false)
        let response = try root.leaves.register(try request(), remoteAddress: "10.0.0.9")
        try ForeignAuthorities(resources: leaf.resources).store(response.root, as: .root)
        try setTrust(roleMap: roleMap)
    }

    func request(leafName: String? = nil) throws -> TrustRequest {
        var info = leaf.authority.clusterInfo(proxyPublicAddress: nil)
        if let leafName { info.cluster = leafName }
        return TrustRequest(token: try root.tokens.create(type: .trustedCluster, ttl: .minutes(15)).secret, leaf: info)
    }

    func setTrust(roleMap: [RoleMapEntry], enabled: Bool = true) throws {
        let spec = TrustedClusterSpec(enabled: enabled, token: "used", proxyAddr: "127.0.0.1:3080", roleMap: roleMap)
        try leaf.resources.put(.trustedCluster(TrustedCluster(name: "hub", spec: spec)), mode: .replace)
    }

    /// alice's certificate from the root, for `key`.
    func rootCertificate(for key: SSHPrivateKey, roles: [String] = ["acme-support"], ttl: TimeSpan = .minutes(10), by ca: SSHCertificateAuthority? = nil) throws -> String {
        try (ca ?? root.authority.userCA).issueUserCertificate(
            for: key.publicKey,
            identity: TetherCertificateIdentity(user: "alice", cluster: "hub", roles: roles, traits: ["logins": ["alice"]]),
            principals: ["alice"], ttl: ttl
        ).authorizedKeyLine()
    }
}

@Suite struct FederationTests {
    @Test func registrationRefusesTakenNamesTheRootsOwnNameAndUsedTokens() throws {
        let trust = try Trust()
        #expect(try trust.root.leaves.leaves().map(\.name) == ["acme-dallas"])
        #expect(try trust.root.store.search(AuditQuery(types: ["remote_cluster.create"])).first?.event.remoteAddr == "10.0.0.9")

        let taken = #expect(throws: TetherError.self) { try trust.root.leaves.register(try trust.request(), remoteAddress: nil) }
        #expect(taken?.message.contains("already trusts hub") == true)
        let own = #expect(throws: TetherError.self) { try trust.root.leaves.register(try trust.request(leafName: "hub"), remoteAddress: nil) }
        #expect(own?.code == .invalidArgument)
        var replayed = try trust.request(leafName: "globex")
        _ = try? trust.root.leaves.register(replayed, remoteAddress: nil)
        replayed.leaf.cluster = "initech"
        let reuse = #expect(throws: TetherError.self) { try trust.root.leaves.register(replayed, remoteAddress: nil) }
        #expect(reuse?.code == .accessDenied)
    }

    @Test func aNewTrustNeedsATokenAndKeepsNone() async throws {
        let trust = try Trust()
        let tokenless = TrustedCluster(name: "other-root", spec: TrustedClusterSpec(token: nil, proxyAddr: "127.0.0.1:1"))
        let refused = await #expect(throws: TetherError.self) {
            try await trust.leaf.trusts.establish(tokenless, replace: false, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        }
        #expect(refused?.message == "trusted_cluster other-root needs spec.token to establish the trust; make one on other-root with tetherctl tokens add --type trusted_cluster.")

        // An established trust is rewritten without one, and stored without one.
        var edited = TrustedCluster(name: "hub", spec: TrustedClusterSpec(enabled: false, token: "spent", proxyAddr: "127.0.0.1:3080"))
        #expect(try await trust.leaf.trusts.establish(edited, replace: true, eventLoopGroup: MultiThreadedEventLoopGroup.singleton) == .updated)
        edited.spec.token = nil
        #expect(try trust.leaf.trusts.list() == [edited])
    }

    @Test func rootCertificatesAreReissuedWithMappedRolesForTheSameKeyAndNoLongerLife() throws {
        let trust = try Trust()
        let key = SSHPrivateKey.generate(.ed25519)
        let rootLine = try trust.rootCertificate(for: key)

        let line = try trust.leaf.translator.translateSSH(rootLine, from: "hub", clientAddress: "192.0.2.7")
        let certificate = try SSHCertificate(authorizedKeyLine: line)
        try SSHCertificateVerifier.user(principal: "alice", trustedCAs: [trust.leaf.authority.userCA.publicKey], clock: trust.clock, presentedKey: key.publicKey)
            .verify(certificate)
        let identity = try TetherCertificateIdentity(certificate: certificate)
        #expect(identity == TetherCertificateIdentity(
            user: "alice", cluster: "acme-dallas", roles: ["site-support"], traits: ["logins": ["alice"]],
            originCluster: "hub", originRoles: ["acme-support"]))
        // The root certificate had 10 minutes left; the leaf role would allow an hour.
        #expect(certificate.validBefore == UInt64(trust.clock.now().timeIntervalSince1970) + 600)

        // Cached: the same certificate again, without signing anew.
        let issued = try trust.leaf.store.search(AuditQuery(types: [AuthEvent.certCreate], user: "alice")).count
        #expect(try trust.leaf.translator.translateSSH(rootLine, from: "hub", clientAddress: nil) == line)
        #expect(try trust.leaf.store.search(AuditQuery(types: [AuthEvent.certCreate], user: "alice")).count == issued)
    }

    @Test func unmappedRolesForeignCAsAndDisabledTrustsAreRefusedAndAudited() throws {
        let trust = try Trust()
        let key = SSHPrivateKey.generate(.ed25519)

        let unmapped = #expect(throws: TetherError.self) {
            try trust.leaf.translator.translateSSH(try trust.rootCertificate(for: key, roles: ["globex-support"]), from: "hub", clientAddress: nil)
        }
        #expect(unmapped?.message.contains("maps to no role in cluster acme-dallas") == true)
        let refusal = try #require(try trust.leaf.store.search(AuditQuery(types: [AuthEvent.authFailed], user: "alice")).last)
        #expect(refusal.event.originCluster == "hub" && refusal.event.originRoles == ["globex-support"])

        let stranger = SSHCertificateAuthority(signingKey: .generate(.ed25519), clock: trust.clock)
        let forged = #expect(throws: TetherError.self) {
            try trust.leaf.translator.translateSSH(try trust.rootCertificate(for: key, by: stranger), from: "hub", clientAddress: nil)
        }
        #expect(forged?.code == .verificationFailed)

        // A live role_map edit applies to the next translation, cached or not.
        let rootLine = try trust.rootCertificate(for: key)
        _ = try trust.leaf.translator.translateSSH(rootLine, from: "hub", clientAddress: nil)
        try trust.setTrust(roleMap: [RoleMapEntry(remote: "admin", local: ["site-support"])])
        #expect(throws: TetherError.self) { try trust.leaf.translator.translateSSH(rootLine, from: "hub", clientAddress: nil) }

        try trust.setTrust(roleMap: [RoleMapEntry(remote: "acme-support", local: ["site-support"])], enabled: false)
        let disabled = #expect(throws: TetherError.self) { try trust.leaf.translator.translateSSH(rootLine, from: "hub", clientAddress: nil) }
        #expect(disabled?.message.contains("disabled its trust in hub") == true)
    }

    @Test func aListingThatMapsNoRoleIsRefusedWithoutAnAuditRecordAndAnAccessWithOne() async throws {
        let trust = try Trust()
        let unmapped = try trust.root.authority.tlsCA.issueClientCertificate(
            user: "alice", roles: ["globex-support"], publicKey: P256.Signing.PrivateKey().publicKey, ttl: .minutes(10))
        let der = try unmapped.serializeAsPEM().derBytes
        let refusals = { try trust.leaf.store.search(AuditQuery(types: [AuthEvent.authFailed])).count }

        // `tether config` walking every leaf: the user attempted nothing here.
        let listing = await #expect(throws: TetherError.self) {
            try await trust.leaf.translator.translateTLS(der, from: "hub", clientAddress: nil, listing: true)
        }
        #expect(listing?.message.contains("maps to no role in cluster acme-dallas") == true)
        #expect(try refusals() == 0)

        // Reaching for something (a node, a recording) is an attempt, audited.
        await #expect(throws: TetherError.self) { try await trust.leaf.translator.translateTLS(der, from: "hub", clientAddress: nil) }
        #expect(try refusals() == 1)
    }

    @Test func aRootUserIsReissuedATLSCertificateNamingHerClusterAndOwnsOnlyHerOwnRecordings() async throws {
        let trust = try Trust()
        let key = P256.Signing.PrivateKey()
        let rootCertificate = try trust.root.authority.tlsCA.issueClientCertificate(
            user: "alice", roles: ["acme-support"], publicKey: key.publicKey, ttl: .minutes(10))
        let der = try await trust.leaf.translator.translateTLS(try rootCertificate.serializeAsPEM().derBytes, from: "hub", clientAddress: nil)
        let visitor = try TLSIdentity(certificate: try Certificate(derEncoded: der))
        #expect(visitor == TLSIdentity(kind: .user, name: "alice", cluster: "acme-dallas", roles: ["site-support"], originCluster: "hub"))

        // A root certificate that itself came from another cluster is not carried one hop further.
        let secondHand = try trust.root.authority.tlsCA.issueClientCertificate(
            user: "alice", roles: ["acme-support"], publicKey: key.publicKey, originCluster: "elsewhere", ttl: .minutes(10))
        let refused = await #expect(throws: TetherError.self) {
            try await trust.leaf.translator.translateTLS(try secondHand.serializeAsPEM().derBytes, from: "hub", clientAddress: nil)
        }
        #expect(refused?.code == .accessDenied)

        // The leaf's own alice and the root's alice each replay only their own sessions.
        for (session, origin) in [("local", nil), ("visit", "hub")] as [(String, String?)] {
            try trust.leaf.audit.record("session.start") { event in
                event.user = "alice"
                event.sessionID = session
                event.originCluster = origin
            }
            let recorder = SessionRecorder(
                sessionID: session, context: AuditEvent(event: "session.data", time: trust.clock.now(), cluster: "acme-dallas", user: "alice"),
                log: trust.leaf.store, clock: trust.clock)
            try recorder.record(.start(login: "alice", node: "robot-17", term: "xterm", size: TerminalSize(columns: 80, rows: 24)))
            try recorder.record(.end(exitStatus: 0))
        }
        let localAlice = TLSIdentity(kind: .user, name: "alice", cluster: "acme-dallas", roles: ["site-support"])
        #expect(try trust.leaf.playback.playback(sessionID: "visit", for: visitor, remoteAddress: nil).frames.count == 2)
        #expect(try trust.leaf.playback.playback(sessionID: "local", for: localAlice, remoteAddress: nil).frames.count == 2)
        let trespass = #expect(throws: TetherError.self) {
            try trust.leaf.playback.playback(sessionID: "local", for: visitor, remoteAddress: nil)
        }
        #expect(trespass?.message.hasPrefix("alice of cluster hub may not replay session local") == true)
        #expect(throws: TetherError.self) { try trust.leaf.playback.playback(sessionID: "visit", for: localAlice, remoteAddress: nil) }
    }

    // MARK: one name, one cluster (a leaf must not pass for a root)

    @Test func rootsAndLeavesCAsLiveInNamespacesOfTheirOwn() throws {
        let trust = try Trust()
        let rootSide = try trust.root.resources.list(.certAuthority).map(\.name).filter { $0.contains("@") }
        #expect(rootSide == ["leaf.host@acme-dallas", "leaf.tls@acme-dallas", "leaf.user@acme-dallas"])
        let leafSide = try trust.leaf.resources.list(.certAuthority).map(\.name).filter { $0.contains("@") }
        #expect(leafSide == ["root.host@hub", "root.tls@hub", "root.user@hub"])
        #expect(try ForeignAuthorities(resources: trust.root.resources).sshUserCAs(ofRoot: "acme-dallas").isEmpty)
    }

    @Test func aLeafNamedLikeARootThisClusterTrustsIsRefusedAndTheRootsCAsStay() throws {
        let trust = try Trust()
        // hub is itself a leaf of corp: it verifies corp's users against corp's CAs.
        let corpDirectory = try TemporaryDirectory()
        let corp = try AuthCore(cluster: "corp", dataDirectory: corpDirectory.file("data"), passwordCost: testPasswordCost, clock: trust.clock)
        let corpTrust = TrustedClusterSpec(enabled: true, token: nil, proxyAddr: "127.0.0.1:1", roleMap: [RoleMapEntry(remote: ".*", local: ["auditor"])])
        try trust.root.resources.put(.trustedCluster(TrustedCluster(name: "corp", spec: corpTrust)), mode: .createOnly)
        try ForeignAuthorities(resources: trust.root.resources).store(corp.authority.clusterInfo(proxyPublicAddress: nil), as: .root)

        // A tenant makes a cluster of its own called corp and registers it as a leaf of hub.
        let impostorDirectory = try TemporaryDirectory()
        let impostor = try AuthCore(cluster: "corp", dataDirectory: impostorDirectory.file("data"), passwordCost: testPasswordCost, clock: trust.clock)
        let request = TrustRequest(
            token: try trust.root.tokens.create(type: .trustedCluster, ttl: .minutes(15)).secret,
            leaf: impostor.authority.clusterInfo(proxyPublicAddress: nil))
        let refused = #expect(throws: TetherError.self) { try trust.root.leaves.register(request, remoteAddress: "203.0.113.5") }
        #expect(refused?.message == "hub trusts a root cluster named corp, so a leaf may not take that name; rename the leaf cluster.")
        #expect(try trust.root.store.search(AuditQuery(types: [AuthEvent.authFailed])).contains { $0.event.remoteAddr == "203.0.113.5" })
        #expect(try trust.root.leaves.leaves().map(\.name) == ["acme-dallas"])
        #expect(try ForeignAuthorities(resources: trust.root.resources).sshUserCAs(ofRoot: "corp") == [corp.authority.userCA.publicKey])

        // So a "corp" user the impostor signs is still no corp user at hub.
        let forged = try impostor.authority.userCA.issueUserCertificate(
            for: SSHPrivateKey.generate(.ed25519).publicKey,
            identity: TetherCertificateIdentity(user: "mallory", cluster: "corp", roles: ["admin"], traits: [:]),
            principals: ["root"], ttl: .minutes(10)).authorizedKeyLine()
        let translated = #expect(throws: TetherError.self) { try trust.root.translator.translateSSH(forged, from: "corp", clientAddress: nil) }
        #expect(translated?.code == .verificationFailed)
    }

    @Test func aRootNamedLikeARegisteredLeafIsNotTrusted() async throws {
        let trust = try Trust()
        let named = TrustedCluster(name: "acme-dallas", spec: TrustedClusterSpec(token: "secret", proxyAddr: "127.0.0.1:1"))
        let refused = await #expect(throws: TetherError.self) {
            try await trust.root.trusts.establish(named, replace: false, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        }
        #expect(refused?.message == "acme-dallas is the name of a leaf cluster of hub, so a root of that name cannot be trusted; remove the leaf with tetherctl rm remote_cluster/acme-dallas first if the root is really called acme-dallas.")
        #expect(try trust.root.trusts.list().isEmpty)
    }

    // MARK: the translation cache

    @Test func aCertificateLinesCommentNeitherReissuesNorGrowsTheCache() throws {
        let trust = try Trust()
        let key = SSHPrivateKey.generate(.ed25519)
        let rootLine = try trust.rootCertificate(for: key)
        let issued = { try trust.leaf.store.search(AuditQuery(types: [AuthEvent.certCreate], user: "alice")).count }
        let first = try trust.leaf.translator.translateSSH(rootLine, from: "hub", clientAddress: nil)
        let before = try issued()
        for comment in ["a", "b", "mallory was here", String(repeating: "x", count: 500)] {
            #expect(try trust.leaf.translator.translateSSH(rootLine + " " + comment, from: "hub", clientAddress: nil) == first)
        }
        #expect(try issued() == before)
        #expect(trust.leaf.translator.cachedCount == 1)

        // A new certificate for the same key (a new login: a new serial) is translated anew.
        let second = try trust.leaf.translator.translateSSH(try trust.rootCertificate(for: key), from: "hub", clientAddress: nil)
        #expect(second != first)
        #expect(try issued() == before + 1)
    }

    @Test func theCacheIsBoundedAndEvictsTheTranslationsNearestExpiry() throws {
        let trust = try Trust()
        let translator = CertificateTranslator(
            cluster: "acme-dallas", authority: trust.leaf.authority, resources: trust.leaf.resources,
            foreign: ForeignAuthorities(resources: trust.leaf.resources), audit: trust.leaf.audit, clock: trust.clock, cacheCapacity: 3)
        let lines = try (1...5).map { minutes in try trust.rootCertificate(for: SSHPrivateKey.generate(.ed25519), ttl: .minutes(Int64(minutes) + 1)) }
        for line in lines {
            _ = try translator.translateSSH(line, from: "hub", clientAddress: nil)
            #expect(translator.cachedCount <= 3)
        }
        // The longest-lived three remain: the last line is served from the cache, the first is issued again.
        let issued = { try trust.leaf.store.search(AuditQuery(types: [AuthEvent.certCreate], user: "alice")).count }
        let before = try issued()
        _ = try translator.translateSSH(lines[4], from: "hub", clientAddress: nil)
        #expect(try issued() == before)
        _ = try translator.translateSSH(lines[0], from: "hub", clientAddress: nil)
        #expect(try issued() == before + 1)

        // Expired translations leave the cache at the next store.
        trust.clock.advance(seconds: 10 * 60)
        _ = try translator.translateSSH(try trust.rootCertificate(for: SSHPrivateKey.generate(.ed25519)), from: "hub", clientAddress: nil)
        #expect(translator.cachedCount == 1)
    }
}
