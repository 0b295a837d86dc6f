import Foundation
import TetherAPI
@testable import TetherClient
import TetherCore
import TetherIdentity
import TetherTestSupport
import TetherTransport
import Testing

/// Issue 11, finding 3: every certificate of a cluster chains to its one CA,
/// a stolen device's too. A client checks the role and cluster its server's
/// certificate names before it sends a byte, so a node's certificate cannot
/// pose as the proxy (real sockets on 127.0.0.1).
@Suite struct ServerRoleTests {
    private let server = ServerEndpoint("127.0.0.1:3080", role: "the proxy", setting: "--proxy")

    private func refusal(_ expected: ExpectedServer, _ identity: TLSIdentity?) -> String? {
        let error = #expect(throws: TetherError.self) { try expected.check(identity, at: server) }
        #expect(error?.code == .verificationFailed)
        return error?.message
    }

    @Test func onlyTheExpectedRoleOfTheExpectedClusterPasses() throws {
        let proxy = TLSIdentity(kind: .host, name: "proxy", cluster: "acme", roles: [ForwardedIdentity.proxyRole])
        let auth = TLSIdentity(kind: .host, name: "auth", cluster: "acme", roles: [ForwardedIdentity.authRole])
        let node = TLSIdentity(kind: .host, name: "h-1", cluster: "acme", roles: [ForwardedIdentity.nodeRole])
        try ExpectedServer.proxy(of: "acme").check(proxy, at: server)
        try ExpectedServer.proxyOrAuth(of: "acme").check(proxy, at: server)
        try ExpectedServer.proxyOrAuth(of: "acme").check(auth, at: server)
        try ExpectedServer.node("h-1", of: "acme").check(node, at: server)

        #expect(refusal(.proxy(of: "acme"), node)
            == "127.0.0.1:3080 is cluster acme's node (host h-1) endpoint, not its proxy; is --proxy right?")
        #expect(refusal(.proxyOrAuth(of: "acme"), node)
            == "127.0.0.1:3080 is cluster acme's node (host h-1) endpoint, not its proxy or auth service; is --proxy right?")
        #expect(refusal(.auth(of: "acme"), proxy) == "127.0.0.1:3080 is cluster acme's proxy endpoint, not its auth service; is --proxy right?")
        #expect(refusal(.proxy(of: "acme"), TLSIdentity(kind: .user, name: "alice", cluster: "acme"))
            == "127.0.0.1:3080 is cluster acme's user alice endpoint, not its proxy; is --proxy right?")
        // Another node's certificate, or a proxy's, is not the node the proxy meant to dial.
        #expect(refusal(.node("h-2", of: "acme"), node)
            == "127.0.0.1:3080 is cluster acme's node (host h-1) endpoint, not its node with host ID h-2; is --proxy right?")
        #expect(refusal(.node("proxy", of: "acme"), proxy) != nil)
        // The right role, of another cluster.
        #expect(refusal(.proxy(of: "root"), proxy)
            == "127.0.0.1:3080 presented a certificate of cluster acme, not of cluster root's proxy; is --proxy right?")
        #expect(refusal(.proxy(of: "acme"), nil)
            == "127.0.0.1:3080 presented no certificate, so it cannot be cluster acme's proxy; is --proxy right?")
    }

    /// A direct node's certificate serves TLS (the proxy dials it): posing as
    /// the proxy, it learns no password; the sentence names what it is.
    @Test func aNodeCertificatePosingAsTheProxyGetsNoPassword() async throws {
        try await withImpostor(direct: true, greeting: "") { _, api, impostor, client in
            let options = LoginOptions(proxy: try HostPort(parsing: impostor.address), user: "alice", password: "correct horse", otp: nil, ttl: nil, trust: .insecure)
            let error = await #expect(throws: TetherError.self) { try await client.logIn(options) }
            #expect(error?.message == "\(impostor.address) is cluster acme's node (host h-9) endpoint, not its proxy; log in through the proxy's address (proxy.public_addr, else proxy.listen, in the cluster's tetherd configuration).")
            // The cluster's public description (first contact) is all it was asked for.
            #expect(api.requests.withLockedValue { $0 } == ["GET \(APIPath.cluster)"])
        }
    }

    /// A tunnel node's certificate may not serve TLS at all: the handshake fails.
    @Test func aTunnelNodeCertificateCannotServeTLS() async throws {
        try await withImpostor(direct: false, greeting: "") { _, api, impostor, client in
            let options = LoginOptions(proxy: try HostPort(parsing: impostor.address), user: "alice", password: "correct horse", otp: nil, ttl: nil, trust: .insecure)
            let error = await #expect(throws: TetherError.self) { try await client.logIn(options) }
            #expect(error?.message == "the TLS handshake with \(impostor.address) failed (its certificate is not signed by the CA this client trusts, or is not a server's); is the proxy listening there, and do the clocks agree?")
            #expect(api.requests.withLockedValue { $0 } == ["GET \(APIPath.cluster)"])
        }
    }

    /// A logged-in user whose proxy address now leads to a node's
    /// certificate: neither the listing nor a session's CONNECT is sent.
    @Test func aLoggedInUserTalksOnlyToTheProxy() async throws {
        try await withImpostor(direct: true, greeting: "SSH-2.0-impostor\r\n") { cluster, api, impostor, client in
            try client.store.save(try cluster.aliceIdentity(proxyAddress: impostor.address))
            let expected = "\(impostor.address) is cluster acme's node (host h-9) endpoint, not its proxy; is the --proxy you logged in with right?"

            let listing = await #expect(throws: TetherError.self) { try await client.nodes(cluster: nil, labels: [:]) }
            #expect(listing?.message == expected)
            let memory = MemoryIO()
            let session = await #expect(throws: TetherError.self) { try await client.proxySSH("root@robot-17:22", cluster: nil, io: memory.io()) }
            #expect(session?.message == expected)
            #expect(api.requests.withLockedValue { $0 }.isEmpty)
            #expect(impostor.connects.withLockedValue { $0 }.isEmpty)
            #expect(memory.outputText.isEmpty)
        }
    }

    /// A server on 127.0.0.1 holding node h-9's certificate (a direct node's,
    /// which may serve TLS, or a tunnel node's), and a client with an empty
    /// profile directory.
    private func withImpostor(
        direct: Bool, greeting: String,
        _ body: (TestCluster, FakeAPI, FakeProxy, UserClient) async throws -> Void
    ) async throws {
        let cluster = try TestCluster()
        let api = FakeAPI(cluster: cluster)
        let impostor = try await FakeProxy(
            cluster: cluster, api: api, connectMode: .echo(greeting: greeting), credentials: try cluster.nodeCredentials(hostID: "h-9", direct: direct))
        let home = try TemporaryDirectory()
        defer { home.remove() }
        do {
            try await body(cluster, api, impostor, UserClient(store: ProfileStore(directory: home.path("profile"))))
        } catch {
            await impostor.stop()
            throw error
        }
        await impostor.stop()
    }
}
