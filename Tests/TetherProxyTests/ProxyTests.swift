import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import TetherAPI
import TetherCore
import TetherProxy
import TetherTestSupport
import TetherTransport
import TetherTunnel

@Suite struct ProxyTests {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let node = NodeRoute(name: "node-a", hostID: "host-1", labels: ["customer": "acme"], tunnel: true, address: nil)

    /// An agent dialling the proxy; counts its attempts that ended.
    struct TestTunnel {
        let task: Task<Void, Never>
        private let ended: NIOLockedValueBox<Int>

        init(_ agent: TunnelAgent, ended: NIOLockedValueBox<Int>) {
            self.ended = ended
            task = Task { await agent.run() }
        }

        var endedAttempts: Int { ended.withLockedValue { $0 } }
        func cancel() { task.cancel() }
    }

    private func startTunnel(pki: TestPKI, proxyPort: Int, credentials: TLSCredentials) throws -> TestTunnel {
        // The agent trusts the proxy's CA, whoever issued its own certificate.
        let context = try NIOSSLContext(configuration: try TLSSettings.client(credentials: credentials, trustedCAPEMs: [pki.caPEM], applicationProtocols: [ALPN.tunnel]))
        let ended = NIOLockedValueBox(0)
        let agent = TunnelAgent(
            configuration: TunnelAgentConfiguration(
                proxyHost: "127.0.0.1",
                proxyPort: proxyPort,
                backoff: ReconnectBackoff(initial: .milliseconds(20), cap: .milliseconds(200)),
                secureTransport: { channel in
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                }
            ),
            group: group,
            router: EchoSSHRouter(),
            logger: Logger(label: "test.agent"),
            onEvent: { event in
                if case .retrying = event { ended.withLockedValue { $0 += 1 } }
            }
        )
        return TestTunnel(agent, ended: ended)
    }

    @Test func stockSSHClientIsToldHowToConnect() async throws {
        let pki = try TestPKI()
        let proxy = try await RunningProxy(pki: pki, routes: [], group: group)
        defer { proxy.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await ProcessSupport.run("/usr/bin/ssh", [
            "-p", String(proxy.port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "127.0.0.1", "true",
        ], in: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("this port is a Tether proxy"), "ssh said: \(result.stderr)")
    }

    @Test func nodeCertificateHoldsATunnelAndUsersAreRoutedThroughItToNodesTheyMaySee() async throws {
        let pki = try TestPKI()
        let hidden = NodeRoute(name: "node-h", hostID: "host-2", labels: ["customer": "hq"], tunnel: true, address: nil)
        let proxy = try await RunningProxy(pki: pki, routes: [node, hidden], hidden: [hidden.hostID], group: group)
        defer { proxy.stop() }
        let tunnels = try [node, hidden].map { route in
            try startTunnel(pki: pki, proxyPort: proxy.port, credentials: try pki.host(route.hostID, roles: [ForwardedIdentity.nodeRole]))
        }
        defer { for tunnel in tunnels { tunnel.cancel() } }
        #expect(await eventually { proxy.service.registry.connected.count == 2 })

        let client = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: try pki.user("alice"), trusting: pki.caPEM, group: group)
        let aliceSSH = try pki.sshCertificate("alice")
        // The SSH client's first bytes may follow the CONNECT at once.
        try await client.send("CONNECT node-a:0 HTTP/1.1\r\nTether-Login: root\r\nTether-Certificate: \(aliceSSH)\r\n\r\nSSH-2.0-test\r\n")
        #expect(await eventually { client.text.hasSuffix("SSH-2.0-test\r\n") })
        #expect(client.text == "HTTP/1.1 200 Connection Established\r\n\r\nnode=node-a cert=\(aliceSSH);SSH-2.0-test\r\n")
        try await client.send("more")
        #expect(await eventually { client.text.hasSuffix("more") })

        // A node alice may not see, though its tunnel is up: refused like a missing
        // one, before the node says a word (an SSH server's first ones lead to its host key).
        let refused = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: try pki.user("alice"), trusting: pki.caPEM, group: group)
        try await refused.send("CONNECT node-h:0 HTTP/1.1\r\nTether-Certificate: \(aliceSSH)\r\n\r\nSSH-2.0-test\r\n")
        #expect(await eventually { refused.text.contains("}") })
        #expect(refused.text.hasPrefix("HTTP/1.1 404"))
        #expect(refused.text.contains("no node named node-h in cluster test-cluster is visible to you; run tether ls"), "\(refused.text)")
        #expect(!refused.text.contains("node=node-h"))
    }

    @Test func refusalsComeBackAsOneSentence() async throws {
        let pki = try TestPKI()
        let proxy = try await RunningProxy(pki: pki, routes: [node], group: group)
        defer { proxy.stop() }

        let anonymous = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: nil, trusting: pki.caPEM, group: group)
        try await anonymous.send("CONNECT node-a:0 HTTP/1.1\r\nTether-Certificate: c\r\n\r\n")
        #expect(await eventually { anonymous.text.contains("}") })
        #expect(anonymous.text.hasPrefix("HTTP/1.1 403"))
        #expect(anonymous.text.contains("run `tether login` first"))

        let alice = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: try pki.user("alice"), trusting: pki.caPEM, group: group)
        try await alice.send("CONNECT nowhere:0 HTTP/1.1\r\nTether-Certificate: \(try pki.sshCertificate("alice"))\r\n\r\n")
        #expect(await eventually { alice.text.contains("}") })
        #expect(alice.text.hasPrefix("HTTP/1.1 404"))
        #expect(alice.text.contains("no node named nowhere in cluster test-cluster is visible to you; run tether ls"))

        // The node exists but has no tunnel: offline, said plainly.
        let bob = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: try pki.user("bob"), trusting: pki.caPEM, group: group)
        try await bob.send("CONNECT node-a:0 HTTP/1.1\r\nTether-Certificate: \(try pki.sshCertificate("bob"))\r\n\r\n")
        #expect(await eventually { bob.text.contains("}") })
        #expect(bob.text.hasPrefix("HTTP/1.1 503"))
        #expect(bob.text.contains("node node-a is offline"))
    }

    @Test func aUserCertificateCannotHoldATunnel() async throws {
        let pki = try TestPKI()
        let proxy = try await RunningProxy(pki: pki, routes: [node], group: group)
        defer { proxy.stop() }
        let impostor = try pki.user("host-1")
        let tunnel = try startTunnel(pki: pki, proxyPort: proxy.port, credentials: impostor)
        defer { tunnel.cancel() }
        // Several attempts, each refused (and reported for the audit); none registered.
        #expect(await eventually { tunnel.endedAttempts >= 3 })
        #expect(proxy.service.registry.connected.isEmpty)
        #expect(proxy.refusedTunnels >= 3)
    }

    @Test func onlyALeafsOwnProxyCertificateHoldsItsTunnelAndSessionsRouteThroughIt() async throws {
        let root = try TestPKI(cluster: "test-cluster")
        let acme = try TestPKI(cluster: "acme")
        let proxy = try await RunningProxy(pki: root, routes: [], leaves: [LeafCluster(name: "acme", tlsCAPEMs: [acme.caPEM], lastSeen: nil)], group: group)
        defer { proxy.stop() }

        // Same name, other CA; and a leaf the root never accepted: both refused.
        let impostor = try TestPKI(cluster: "acme")
        let stranger = try TestPKI(cluster: "globex")
        let refused = [
            try startTunnel(pki: root, proxyPort: proxy.port, credentials: try impostor.host("proxy", roles: [ForwardedIdentity.proxyRole])),
            try startTunnel(pki: root, proxyPort: proxy.port, credentials: try stranger.host("proxy", roles: [ForwardedIdentity.proxyRole])),
            // acme's CA, but a node certificate rather than its proxy's.
            try startTunnel(pki: root, proxyPort: proxy.port, credentials: try acme.host("proxy", roles: [ForwardedIdentity.nodeRole])),
        ]
        #expect(await eventually { refused.allSatisfy { $0.endedAttempts >= 2 } })
        #expect(proxy.service.registry.connected.isEmpty)
        for tunnel in refused { tunnel.cancel() }

        let leaf = try startTunnel(pki: root, proxyPort: proxy.port, credentials: try acme.host("proxy", roles: [ForwardedIdentity.proxyRole]))
        defer { leaf.cancel() }
        #expect(await eventually { proxy.service.registry.connected.count == 1 })

        let alice = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: try root.user("alice"), trusting: root.caPEM, group: group)
        let aliceSSH = try root.sshCertificate("alice")
        try await alice.send("CONNECT node-a:0 HTTP/1.1\r\nTether-Cluster: acme\r\nTether-Certificate: \(aliceSSH)\r\n\r\nSSH-2.0-test\r\n")
        #expect(await eventually { alice.text.hasSuffix("SSH-2.0-test\r\n") })
        #expect(alice.text == "HTTP/1.1 200 Connection Established\r\n\r\nnode=node-a cert=\(aliceSSH);SSH-2.0-test\r\n")

        let unknown = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: try root.user("bob"), trusting: root.caPEM, group: group)
        try await unknown.send("CONNECT node-a:0 HTTP/1.1\r\nTether-Cluster: globex\r\nTether-Certificate: \(try root.sshCertificate("bob"))\r\n\r\n")
        #expect(await eventually { unknown.text.contains("}") })
        #expect(unknown.text.contains("cluster globex is not a leaf of this cluster"))
    }
}
