import Crypto
import Foundation
import NIOCore
import NIOPosix
import Testing
import TetherAPI
import TetherAuth
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage
import TetherTransport

/// The auth API over real TLS 1.3 on 127.0.0.1, called with `APIClient`.
@Suite struct HTTPEndToEndTests {
    /// Runs an auth service on a free port for the duration of `body`.
    private func withAuthService(_ fixture: Fixture, _ body: (AuthService, String) async throws -> Void) async throws {
        let (addresses, continuation) = AsyncStream.makeStream(of: SocketAddress.self)
        let service = try AuthService(
            configuration: .init(cluster: Fixture.cluster, dataDirectory: fixture.core.dataDirectory, listen: "127.0.0.1:0", passwordCost: testPasswordCost, clock: fixture.clock),
            onListening: { continuation.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            var iterator = addresses.makeAsyncIterator()
            let port = try #require(await iterator.next()?.port)
            try await body(service, "127.0.0.1:\(port)")
            group.cancelAll()
        }
    }

    @Test func aTakenPortIsOneSentenceNamingTheAddressAndAuthListen() async throws {
        let fixture = try Fixture()
        try await withAuthService(fixture) { _, address in
            let second = try AuthService(configuration: .init(
                cluster: Fixture.cluster, dataDirectory: fixture.directory.file("second"), listen: address, clock: fixture.clock))
            let error = await #expect(throws: TetherError.self) { try await second.run() }
            #expect(error?.message == "the auth service cannot listen on \(address): the port is already in use (another tetherd?); stop what holds it or change auth.listen.")
        }
    }

    private func client(_ address: String, ca: String, credentials: TLSCredentials? = nil) throws -> APIClient {
        APIClient(server: ServerEndpoint(address, role: "the auth service", setting: "auth.listen"),
                  tls: try TLSSettings.client(credentials: credentials, trustedCAPEMs: [ca]),
                  expecting: .auth(of: Fixture.cluster), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    }

    /// A client with the host certificate `joined` gave the holder of `keys`.
    private func nodeClient(_ address: String, ca: String, _ joined: JoinResponse, _ keys: ClientKeys) throws -> APIClient {
        try client(address, ca: ca, credentials: TLSCredentials(
            certificatePEM: joined.tlsCertificate, privateKeyPEM: PEMCoding.pem(of: keys.tls), trustedCAPEMs: [ca]))
    }

    private func userCredentials(_ response: LoginResponse, _ keys: ClientKeys) -> TLSCredentials {
        TLSCredentials(certificatePEM: response.tlsCertificate, privateKeyPEM: PEMCoding.pem(of: keys.tls),
                       trustedCAPEMs: [response.clusterInfo.tlsCA])
    }

    private func joinAcmeNode(_ fixture: Fixture) throws {
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        let keys = ClientKeys()
        let node = try fixture.core.join.join(try keys.joinRequest(token: issued.secret, node: "robot-17"), remoteAddress: nil)
        try fixture.core.presence.heartbeat(keys.heartbeat(hostID: node.hostID, name: "robot-17", labels: ["customer": "acme"]),
                                            from: node.hostID, remoteAddress: nil)
    }

    @Test func loginThenListNodesWithTheUserCertificate() async throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        try joinAcmeNode(fixture)
        let ca = fixture.core.authority.tlsCAPEM

        try await withAuthService(fixture) { _, address in
            let anonymous = try client(address, ca: ca)
            defer { Task { await anonymous.shutdown() } }
            let info: ClusterInfo = try await anonymous.get(APIPath.cluster)
            #expect(info.cluster == Fixture.cluster)
            #expect(info.tlsCAPin == fixture.core.authority.tlsCA.pin.description)

            let keys = ClientKeys()
            let login: LoginResponse = try await anonymous.post(APIPath.login, body: keys.loginRequest())
            #expect(login.logins == ["diagnostics", "alice"])

            let wrong = await #expect(throws: TetherError.self) {
                let _: LoginResponse = try await anonymous.post(APIPath.login, body: keys.loginRequest(password: "not-the-password"))
            }
            #expect(wrong?.code == .verificationFailed)
            let refused = await #expect(throws: TetherError.self) {
                let _: [NodeSummary] = try await anonymous.get(APIPath.nodes)
            }
            #expect(refused?.code == .accessDenied)

            let alice = try client(address, ca: ca, credentials: userCredentials(login, keys))
            defer { Task { await alice.shutdown() } }
            let nodes: [NodeSummary] = try await alice.get(APIPath.nodes)
            #expect(nodes.map(\.name) == ["robot-17"])
            #expect(nodes.first?.online == true)
            // `tether ssh` looks up only the node it is about to reach.
            let named: [NodeSummary] = try await alice.get(NodeQuery.lookup("robot-17"))
            #expect(named.map(\.name) == ["robot-17"])
            let otherName: [NodeSummary] = try await alice.get(NodeQuery.lookup("robot-17.acme"))
            #expect(otherName.isEmpty)

            let missing = await #expect(throws: TetherError.self) {
                let _: ClusterInfo = try await alice.get("/v1/nope")
            }
            #expect(missing?.code == .notFound)
        }
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).count == 1)
    }

    @Test func theForwardedCertificateCountsOnlyFromAProxy() async throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        try fixture.core.admin.create([.role(Role(name: "globex-only", spec: RoleSpec(
            allow: RoleConditions(logins: ["bob"], nodeLabels: ["customer": ["globex"]]))))], replace: false)
        try fixture.core.users.add("bob", roles: ["globex-only"], logins: [])
        try fixture.core.users.setPassword("bob", password: Fixture.password)
        try joinAcmeNode(fixture)
        let ca = fixture.core.authority.tlsCAPEM
        let aliceKeys = ClientKeys(), bobKeys = ClientKeys()
        let alice = try fixture.core.login.login(aliceKeys.loginRequest(), remoteAddress: nil)
        let bob = try fixture.core.login.login(bobKeys.loginRequest(user: "bob"), remoteAddress: nil)
        // A PEM body is the base64 of the DER.
        let bobDERBase64 = bob.tlsCertificate.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let forwarded = [ForwardedIdentity.header: bobDERBase64]

        try await withAuthService(fixture) { service, address in
            // Alice cannot pass herself off as Bob: the header is ignored.
            let aliceClient = try client(address, ca: ca, credentials: userCredentials(alice, aliceKeys))
            defer { Task { await aliceClient.shutdown() } }
            let asAlice: [NodeSummary] = try await aliceClient.get(APIPath.nodes, headers: forwarded)
            #expect(asAlice.map(\.name) == ["robot-17"])

            let proxyIdentity = try service.issueServiceIdentity(role: ForwardedIdentity.proxyRole, name: "proxy-1", addresses: ["127.0.0.1"])
            let proxy = try client(address, ca: ca, credentials: proxyIdentity.credentials)
            defer { Task { await proxy.shutdown() } }
            let asBob: [NodeSummary] = try await proxy.get(APIPath.nodes, headers: forwarded)
            #expect(asBob.isEmpty)
            let notAUser = await #expect(throws: TetherError.self) {
                let _: [NodeSummary] = try await proxy.get(APIPath.nodes)
            }
            #expect(notAUser?.code == .accessDenied)
            let garbage = await #expect(throws: TetherError.self) {
                let _: [NodeSummary] = try await proxy.get(APIPath.nodes, headers: [ForwardedIdentity.header: "bm90IGEgY2VydA=="])
            }
            #expect(garbage?.code == .malformed)
        }
    }

    private struct Ignored: Decodable {}

    @Test func aNodeJoinsThenReportsPresenceAndAuditEventsWithItsHostCertificate() async throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        let token = try fixture.core.tokens.create(type: .node, ttl: .hours(1)).secret
        let ca = fixture.core.authority.tlsCAPEM
        let keys = ClientKeys()

        try await withAuthService(fixture) { _, address in
            let anonymous = try client(address, ca: ca)
            defer { Task { await anonymous.shutdown() } }
            let joined: JoinResponse = try await anonymous.post(APIPath.join, body: try keys.joinRequest(token: token, node: "robot-17", listen: "127.0.0.1:3022"))
            let again = await #expect(throws: TetherError.self) {
                let _: JoinResponse = try await anonymous.post(APIPath.join, body: try keys.joinRequest(token: token, node: "robot-17"))
            }
            #expect(again?.code == .accessDenied)

            let node = try nodeClient(address, ca: ca, joined, keys)
            defer { Task { await node.shutdown() } }
            let _: Ignored = try await node.post(APIPath.heartbeat, body: Heartbeat(
                hostID: joined.hostID, name: "robot-17", labels: ["customer": "acme"], tunnel: false, address: "127.0.0.1:3022",
                sshHostKey: keys.ssh.publicKey.authorizedKeyLine(), ttlSeconds: 30))

            let event = AuditEvent(event: "session.start", time: fixture.clock.now(), cluster: Fixture.cluster, user: "alice",
                                   node: "robot-17", nodeLabels: ["customer": "acme"], sessionID: "s-9")
            let upload = AuditUpload(hostID: joined.hostID, spoolEpoch: "epoch-1", events: [
                .init(spoolSeq: 7, json: String(decoding: CanonicalJSON.encode(.object(event.jsonObject)), as: UTF8.self)),
            ])
            for _ in 0..<2 {
                let stored: AuditUploadResponse = try await node.post(APIPath.auditEvents, body: upload)
                #expect(stored.storedThrough == 7)
            }
            let policy: AccessPolicySnapshot = try await node.get(APIPath.accessPolicy)
            #expect(policy.roles.count == 1)

            // A node is not a user.
            let notAUser = await #expect(throws: TetherError.self) {
                let _: [NodeSummary] = try await node.get(APIPath.nodes)
            }
            #expect(notAUser?.code == .accessDenied)
        }
        #expect(try fixture.core.store.search(AuditQuery(types: ["session.start"], sessionID: "s-9")).count == 1)
        #expect(try fixture.core.resources.node("robot-17")?.spec.addr == "127.0.0.1:3022")
    }

    @Test func aNodeRenewsItsCertificatesWithTheCurrentOnesUntilLockedOrRemoved() async throws {
        let fixture = try Fixture()
        let keys = ClientKeys()
        let token = try fixture.core.tokens.create(type: .node, ttl: .hours(1)).secret
        let joined = try fixture.core.join.join(try keys.joinRequest(token: token, node: "robot-17"), remoteAddress: nil)

        try await withAuthService(fixture) { _, address in
            let node = try nodeClient(address, ca: fixture.core.authority.tlsCAPEM, joined, keys)
            defer { Task { await node.shutdown() } }
            let request = HostRenewalRequest(tlsPublicKey: keys.tls.publicKey.pemRepresentation, addresses: ["127.0.0.1"])

            fixture.clock.advance(seconds: 61 * 86_400)
            let renewed: HostRenewalResponse = try await node.post(APIPath.renewHost, body: request)
            let old = try #require(try PEMCoding.certificates(fromPEM: joined.tlsCertificate).first)
            let new = try #require(try PEMCoding.certificates(fromPEM: renewed.tlsCertificate).first)
            #expect(new.notValidAfter.timeIntervalSince(old.notValidAfter) == 61 * 86_400)
            #expect(new.publicKey == old.publicKey)
            #expect(try TLSIdentity(certificate: new) == TLSIdentity(certificate: old))
            let hostCertificate = try SSHCertificate(authorizedKeyLine: renewed.sshHostCertificate)
            #expect(hostCertificate.publicKey == keys.ssh.publicKey)
            #expect(hostCertificate.principals == ["robot-17", joined.hostID])

            let lock = try fixture.core.admin.lock(.node("robot-17"), ttl: nil, message: "reported stolen")
            let locked = await #expect(throws: TetherError.self) {
                let _: HostRenewalResponse = try await node.post(APIPath.renewHost, body: request)
            }
            #expect(locked?.message == "node robot-17 is locked: reported stolen; its certificates are not renewed until the lock is removed.")

            try fixture.core.admin.remove(.lock, name: lock.name)
            try fixture.core.admin.remove(.node, name: "robot-17")
            let removed = await #expect(throws: TetherError.self) {
                let _: HostRenewalResponse = try await node.post(APIPath.renewHost, body: request)
            }
            #expect(removed?.code == .accessDenied)
            #expect(removed?.message.hasSuffix("(removed with tetherctl rm node/NAME?); join it again with a new token.") == true)
        }
        let renewals = try fixture.core.store.search(AuditQuery(types: [AuthEvent.certCreate]))
            .filter { $0.event.fields["cert_type"] == .string("host_renewal") }
        #expect(renewals.map(\.event.node) == ["robot-17"])
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).count == 2)
    }
}
